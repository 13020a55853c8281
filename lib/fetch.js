'use strict'
// fetch(): Fetch §6.6 "fetch(input, init)" over the native core. The core
// does the network, redirects and time limits; this layer validates, wires
// the abort signal, feeds streamed request bodies, and builds the Response.

const { requestParts, headerListOf } = require('./request')
const { fromNative: responseFromNative, bodyOf, NULL_BODY_STATUSES } = require('./response')
const { consumeBytes, isUnusable, streamOf } = require('./body')
const { fromNative: errorFromNative, abortReason } = require('./errors')
const { pumpToNative } = require('./upload-pump')
const { Headers } = require('./headers')

/**
 * fetch(input, init) through a client.
 * @param {(parts: object) => {native: object, defaults: object}} clientFor
 *   picks the native client and its default limits for a request (its own
 *   `client` option, or the caller's)
 */
function fetchWith (clientFor, input, init) {
  let parts
  try {
    parts = requestParts(input, init)
  } catch (err) {
    return Promise.reject(err)
  }
  const { native, defaults } = clientFor(parts)
  return send(native, defaults, parts)
}

function checkScheme (url) {
  if (!url.startsWith('http:') && !url.startsWith('https:')) {
    const cause = new Error(`unknown scheme in ${url}`)
    cause.code = 'ERR_FF_UNSUPPORTED_SCHEME'
    throw new TypeError('fetch failed', { cause })
  }
}

/**
 * Starts the native request. `streamed` makes its body queues that JS
 * feeds with push(): 'once' for a source read once, 'restartable' for one
 * that can be read again from its start; otherwise (undefined) `bytes`
 * (or null) is the whole body.
 */
function startNative (nativeClient, defaults, parts, bytes, streamed) {
  try {
    return nativeClient.start(
      parts.method,
      parts.url,
      headerListOf(parts),
      bytes,
      streamed,
      parts.redirect,
      parts.timeout ?? defaults.timeout,
      parts.connectTimeout ?? defaults.connectTimeout,
      parts.readTimeout ?? defaults.readTimeout,
      parts.decompress ?? undefined,
      ...extrasArgs(parts)
    )
  } catch (err) {
    // Only what slipped past validation gets here; it is still the
    // caller's argument that is wrong.
    throw new TypeError(err.message)
  }
}

/**
 * The native start()'s last arguments: the referrer URL (undefined for
 * "client" and "no-referrer": Node's fetch has no client whose URL it could
 * send), the referrer policy, the mode and the cache mode. The core applies
 * the policy to every hop (Referrer Policy §8.3), sends the mode as
 * Sec-Fetch-Mode and the cache mode as Cache-Control/Pragma, as undici does.
 */
function extrasArgs (parts) {
  const extras = parts.extras
  if (extras === undefined || extras === null) return [undefined, undefined, undefined, undefined]
  const referrer = extras.referrer === 'client' || extras.referrer === 'no-referrer' ? undefined : extras.referrer
  return [referrer, extras.referrerPolicy || undefined, extras.mode, extras.cache]
}

/**
 * Blobs (and so FormData, whose files are Blobs) larger than this are
 * streamed from their source rather than read into memory first.
 */
const BUFFERED_BLOB_LIMIT = 1024 * 1024

/**
 * A body is sent as it is produced when it is a stream, or a Blob too large
 * to read into memory first. Everything else is sent whole: with its
 * Content-Length, and replayable on 307/308.
 */
function isStreamedBody (body) {
  if (body.source === null) return true
  return body.source instanceof Blob && body.length > BUFFERED_BLOB_LIMIT
}

/**
 * The request as sent: a streamed body whose size is known (a Blob's) goes
 * with that Content-Length instead of chunked, as undici sends it.
 */
function sizedParts (parts, streamed) {
  const length = parts.body?.length
  if (!streamed || typeof length !== 'number' || parts.headers.has('content-length')) return parts
  const headers = new Headers(parts.headers)
  headers.set('content-length', String(length))
  return { ...parts, headers }
}

async function send (nativeClient, defaults, parts) {
  const signal = parts.signal
  // §6.6 step 4: an already aborted signal rejects at once.
  if (signal !== null && signal.aborted) throw abortReason(signal)
  checkScheme(parts.url)
  const body = parts.body
  if (body !== null && isUnusable(body)) throw new TypeError('Request body has already been used')
  const streamed = body !== null && isStreamedBody(body)
  let bytes = null
  if (body !== null && !streamed) {
    bytes = await consumeBytes(body)
    if (signal !== null && signal.aborted) throw abortReason(signal)
  }
  // A Blob (FormData included) can be read again, so its body can follow
  // a redirect that keeps it, as a buffered one does; a stream is read once.
  const kind = !streamed ? undefined : body.source instanceof Blob ? 'restartable' : 'once'
  const native = startNative(nativeClient, defaults, sizedParts(parts, streamed), bytes, kind)
  const exchange = new PendingExchange(native, parts, signal)
  if (streamed) {
    const stream = streamOf(body)
    body.used = true
    const onError = (err) => exchange.failUpload(err)
    // Null when the core has already followed a redirect that keeps a
    // restartable body (it runs on its own thread from start() on): then
    // resendOnRedirect sends the attempt in force, and this one is skipped.
    const first = native.uploadAttempt(0)
    if (first !== null) pumpToNative(first, stream, onError).catch(onError)
    if (kind === 'restartable') resendOnRedirect(native, body.source, onError).catch(onError)
  }
  return exchange.response
}

/**
 * Fetch §4.4 "HTTP-redirect fetch" step 15: a body with a source is sent
 * again from that source. For each redirect the core follows keeping this
 * body (307/308, or 301/302 of a method other than POST) it opens a new
 * attempt, which `blob` is read into from its start;
 * the old attempt's queue refuses further data, which stops its pump. The
 * core settles (null) once the response arrives or the request fails, so
 * this runs at most once per redirect followed.
 */
async function resendOnRedirect (native, blob, onError) {
  let attempt = 0
  for (;;) {
    const next = await native.nextUploadAttempt(attempt)
    if (next === null) return
    attempt = next
    const upload = native.uploadAttempt(attempt)
    // null: yet another redirect already superseded this attempt.
    if (upload !== null) pumpToNative(upload, blob.stream(), onError).catch(onError)
  }
}

/**
 * The JS side of a request in flight: resolves `response` from the native
 * head, and routes aborts and upload failures to whatever is pending.
 */
class PendingExchange {
  constructor (native, parts, signal) {
    this.native = native
    this.signal = signal
    this.responseObject = null
    this.uploadError = null
    this.settled = false
    this.onAbort = null
    this.response = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    if (signal !== null) {
      this.onAbort = () => this.abort(abortReason(signal))
      signal.addEventListener('abort', this.onAbort, { once: true })
    }
    native.head().then((head) => this.onHead(head, parts), (err) => this.fail(err))
  }

  unlisten () {
    if (this.onAbort !== null) {
      this.signal.removeEventListener('abort', this.onAbort)
      this.onAbort = null
    }
  }

  fail (err) {
    this.unlisten()
    if (!this.settled) {
      this.settled = true
      this.reject(err)
    }
  }

  /** §6.6 "abort the fetch() call": the promise, or else the body, fails. */
  abort (reason) {
    if (this.responseObject === null) {
      this.native.abort()
      this.fail(reason)
    } else {
      // body.fail() aborts the native request too.
      const body = bodyOf(this.responseObject)
      if (body !== null) body.fail(reason)
      else this.native.abort()
    }
  }

  /** The request body's producer failed: the request fails with its error. */
  failUpload (err) {
    this.uploadError = err
    if (this.responseObject === null) {
      this.native.abort()
      this.fail(err)
    }
  }

  onHead (head, parts) {
    if (head.error) {
      if (this.uploadError !== null) return this.fail(this.uploadError)
      if (head.error.kind === 'aborted' && this.signal !== null && this.signal.aborted) {
        return this.fail(abortReason(this.signal))
      }
      return this.fail(errorFromNative(head.error, 'head'))
    }
    if (this.settled) return
    // Fetch §4.1 "main fetch" step 22: HEAD requests and null body statuses
    // have a null body.
    const nullBody = parts.method === 'HEAD' || NULL_BODY_STATUSES.has(head.status)
    const response = responseFromNative(head, nullBody ? null : this.native, parts.url)
    this.responseObject = response
    this.settled = true
    const body = bodyOf(response)
    if (body === null) this.unlisten()
    // Only a signal needs this exchange once the body streams: without
    // one, nothing here stays referenced by an open (say idle SSE) body.
    else if (this.onAbort !== null) body.onSettled = () => this.unlisten()
    const resolve = this.resolve
    this.resolve = this.reject = null
    resolve(response)
  }
}

module.exports = { fetchWith, startNative, checkScheme, PendingExchange }
