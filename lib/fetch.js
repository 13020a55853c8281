'use strict'
// fetch(): Fetch §6.6 "fetch(input, init)" over the native core. The core
// does the network, redirects and time limits; this layer validates, wires
// the abort signal, feeds streamed request bodies, and builds the Response.

const { requestParts, headerListOf, foreignByteStream } = require('./request')
const { fromNative: responseFromNative, headFromNative, bodyOf, NULL_BODY_STATUSES } = require('./response')
const { BodyState, consumeBytes, isUnusable, streamOf } = require('./body')
const { fromNative: errorFromNative, networkError, abortReason } = require('./errors')
const { pumpToNative } = require('./upload-pump')
const { Headers } = require('./headers')
const { verifiedResponse } = require('./integrity')
const { requestCreated, chunksSentObserved } = require('./diagnostics')
const { takeForeignBody, BUFFERED_BLOB_LIMIT } = require('./foreign-body')
const { codes } = require('./codes')
const { retryOption, sendWithRetry } = require('./retry')
const { applyDefaultEventTimeout } = require('./event-timeout')
const { progressOptions, watchExchangeUpload, DownloadProgressNative, startDownloadProgress } = require('./progress')
const ready = require('./ready')

/**
 * fetch(input, init) through a client.
 * @param {(parts: object) => {native: object, defaults: object}} clientFor
 *   picks the native client and its default limits for a request (its own
 *   `client` option, or the caller's)
 * @param {((exchange: PendingExchange) => void) | null} onExchange  gets each
 *   attempt's exchange once it exists (for a request without a body, before
 *   this returns), so that an internal caller can abort it without a signal
 */
function fetchWith (clientFor, input, init, onExchange = null) {
  let parts
  let retry
  try {
    parts = requestParts(input, init, true)
    retry = init?.retry === undefined ? undefined : retryOption(init.retry, 'RequestInit')
    parts.progress = progressOptions(init)
  } catch (err) {
    return Promise.reject(err)
  }
  // Upload progress is counted where the connection takes the bytes,
  // which a streamed body shows: bytes go as a Blob (still with their
  // Content-Length, and replayable).
  if (parts.progress?.upload && parts.body?.source instanceof Uint8Array) {
    parts.body = new BodyState({ source: new Blob([parts.body.source]), length: parts.body.length })
  }
  const { native, defaults } = clientFor(parts)
  // An init's `retry` (0 included) overrides the client's default.
  if (retry === undefined) retry = defaults.retry ?? null
  if (retry === null || !isReplayable(parts.body)) {
    return verifiedResponse(send(native, defaults, parts, onExchange), parts)
  }
  const timeout = parts.timeout ?? defaults.timeout
  return verifiedResponse(sendWithRetry(retry, parts, timeout, (p) => send(native, defaults, p, onExchange), freshAttempt), parts)
}

/**
 * A body that can be sent again for a retry: none, or one with a source
 * (bytes, a Blob, FormData). A stream is read once: a request with one is
 * never retried, whatever part of it was sent.
 */
function isReplayable (body) {
  return body === null || (body.source !== null && body.stream === null && !isUnusable(body))
}

/** The parts of one attempt: the same request with a fresh body state over the same source. */
function freshAttempt (parts) {
  const body = parts.body
  return { ...parts, body: body === null ? null : new BodyState({ source: body.source, length: body.length }) }
}

/** data: and blob: URLs are answered without the network (local-fetch.js). */
function isLocalScheme (url) {
  return url.startsWith('data:') || url.startsWith('blob:')
}

function checkScheme (url) {
  if (!url.startsWith('http:') && !url.startsWith('https:')) {
    throw networkError(`unknown scheme in ${url}`, codes.UNSUPPORTED_SCHEME)
  }
}

/**
 * Starts the native request. `streamed` makes its body queues that JS
 * feeds with push(): 'once' for a source read once, 'restartable' for one
 * that can be read again from its start; otherwise (undefined) `bytes`
 * (or null) is the whole body. With `traced` (a DiagnosticRequest, or
 * null) the headers are sent as its subscribers left them.
 */
function startNative (nativeClient, defaults, parts, bytes, streamed, traced = null) {
  let native = null
  try {
    native = nativeClient.start(
      parts.method,
      parts.url,
      traced === null ? headerListOf(parts) : traced.ownHeaders(headerListOf(parts)),
      bytes,
      streamed,
      parts.redirect,
      parts.timeout ?? defaults.timeout,
      parts.connectTimeout ?? defaults.connectTimeout,
      parts.readTimeout ?? defaults.readTimeout,
      parts.decompress ?? undefined,
      ...extrasArgs(parts),
      // Observed: the core records what observers are told (a request
      // nobody observes passes nothing, and the core records nothing).
      traced === null ? undefined : true
    )
    // An observed request's first hop waits for the headers its
    // subscribers added.
    if (traced !== null) {
      if (bytes !== null && bytes.length > 0) traced.onChunkSent(bytes)
      native.releaseHop(traced.addedHeaders())
    }
    return native
  } catch (err) {
    // Only what slipped past validation gets here (or a header a
    // subscriber pushed unchecked); it is still an argument that is wrong.
    native?.abort()
    const wrong = new TypeError(err.message)
    traced?.onError(wrong)
    throw wrong
  }
}

/** The headers the core adds to the first hop of `parts` (for observers). */
function coreAdditions (nativeClient, parts, hasBody) {
  return nativeClient.firstHopAdditions(parts.method, parts.url, headerListOf(parts), hasBody,
    parts.decompress ?? undefined, ...extrasArgs(parts))
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
 * A body is sent as it is produced when it is a stream, or a Blob too large
 * to read into memory first. Everything else is sent whole: with its
 * Content-Length, and replayable on 307/308.
 */
function isStreamedBody (body, parts) {
  if (body.source === null) return true
  if (!(body.source instanceof Blob)) return false
  // With onUploadProgress, any Blob: the count comes from its queue.
  return body.length > BUFFERED_BLOB_LIMIT || Boolean(parts.progress?.upload)
}

/**
 * The request as sent: a streamed body whose size is known (a Blob's) goes
 * with that Content-Length instead of chunked, as undici sends it (Fetch
 * §4.5 "HTTP-network-or-cache fetch" steps 8–10). A body of bytes gets its
 * length, and an empty POST/PUT/PATCH its `0`, from the core.
 */
function sizedParts (parts, streamed) {
  const length = parts.body?.length
  if (!streamed || typeof length !== 'number' || parts.headers.has('content-length')) return parts
  const headers = new Headers(parts.headers)
  headers.set('content-length', String(length))
  return { ...parts, headers }
}

/**
 * Fetch §6.6 step 4 with "abort the fetch() call" step 2: a request whose
 * signal is already aborted cancels its body's stream with the signal's
 * reason (synchronously: before fetch() returns) and rejects with it,
 * doing no I/O.
 */
function abortedBeforeStart (body, signal) {
  const reason = abortReason(signal)
  const stream = body?.stream ?? null
  if (stream !== null && !stream.locked) stream.cancel(reason).catch(() => {})
  return reason
}

/**
 * A request that fails before it is sent leaves a foreign input's body as
 * Node's fetch leaves it, used (its `new Request(input)` took the body):
 * here by cancelling it with the failure, so that no reader of a clone
 * waits on it either. A body of ours was marked used when taken.
 */
function failedBeforeStart (body, err) {
  if (foreignByteStream(body) !== undefined && body.stream !== null && !body.stream.locked) {
    body.stream.cancel(err).catch(() => {})
  }
  return err
}

async function send (nativeClient, defaults, parts, onExchange) {
  const signal = parts.signal
  // §6.6 step 4: an already aborted signal rejects at once.
  if (signal !== null && signal.aborted) throw abortedBeforeStart(parts.body, signal)
  // data: and blob: are answered here; their code loads on first use.
  const local = isLocalScheme(parts.url) ? require('./local-fetch').fetchLocalScheme(parts) : null
  if (local !== null) return local
  try {
    checkScheme(parts.url)
  } catch (err) {
    throw failedBeforeStart(parts.body, err)
  }
  if (parts.body !== null && isUnusable(parts.body)) throw new TypeError('Request body has already been used')
  // Read (and lock) a foreign request's body before the first await, so
  // that it shows as used as soon as fetch() returns, as Node's fetch does.
  const fromForeign = foreignByteStream(parts.body)
  if (fromForeign !== undefined) {
    parts = { ...parts, body: await takeForeignBody(parts.body, fromForeign) }
    if (signal !== null && signal.aborted) throw abortedBeforeStart(parts.body, signal)
  }
  const body = parts.body
  const streamed = body !== null && isStreamedBody(body, parts)
  let bytes = null
  if (body !== null && !streamed) {
    bytes = await consumeBytes(body)
    if (signal !== null && signal.aborted) throw abortReason(signal)
  }
  // A Blob (FormData included) can be read again, so its body can follow
  // a redirect that keeps it, as a buffered one does; a stream is read once.
  const kind = !streamed ? undefined : body.source instanceof Blob ? 'restartable' : 'once'
  const sized = sizedParts(parts, streamed)
  const hasBody = streamed || bytes?.length > 0
  const traced = requestCreated(sized, hasBody, () => coreAdditions(nativeClient, sized, hasBody))
  const native = startNative(nativeClient, defaults, sized, bytes, kind, traced)
  const exchange = new PendingExchange(native, parts, signal, traced)
  if (onExchange !== null) onExchange(exchange)
  if (streamed) {
    const stream = streamOf(body)
    body.used = true
    const onError = (err) => exchange.failUpload(err)
    // Null when the core has already followed a redirect that keeps a
    // restartable body (it runs on its own thread from start() on): then
    // resendOnRedirect sends the attempt in force, and this one is skipped.
    const first = native.uploadAttempt(0)
    // Each chunk is the current hop's (a redirect may send it again).
    const onChunk = traced !== null && chunksSentObserved() ? (chunk) => exchange.traced.onChunkSent(chunk) : null
    if (first !== null) pumpToNative(first, stream, onError, onChunk).catch(onError)
    if (kind === 'restartable') resendOnRedirect(native, body.source, onError, onChunk).catch(onError)
    if (parts.progress?.upload) {
      watchExchangeUpload(exchange, native, parts.progress.upload, body.length ?? 0)
    }
  }
  // A Client's eventTimeout is the default of this response's events().
  if (defaults.eventTimeout) {
    return exchange.response.then((response) => {
      applyDefaultEventTimeout(bodyOf(response), defaults.eventTimeout)
      return response
    })
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
async function resendOnRedirect (native, blob, onError, onChunk) {
  let attempt = 0
  for (;;) {
    const next = await native.nextUploadAttempt(attempt)
    if (next === null) return
    attempt = next
    const upload = native.uploadAttempt(attempt)
    // null: yet another redirect already superseded this attempt.
    if (upload !== null) pumpToNative(upload, blob.stream(), onError, onChunk).catch(onError)
  }
}

/**
 * The signal's 'abort' listener for `exchange`. Made out here so that its
 * closure holds the exchange only: one made in the constructor would share
 * the constructor's scope, and so keep the request's parts (headers, URL,
 * the signal itself) alive for as long as the signal lives.
 */
function abortListener (exchange) {
  return (event) => exchange.abort(abortReason(event.target))
}

/**
 * The JS side of a request in flight: resolves `response` from the native
 * head, and routes aborts and upload failures to whatever is pending.
 */
class PendingExchange {
  constructor (native, parts, signal, traced = null) {
    this.native = native
    this.traced = traced // DiagnosticRequest when someone observes it
    // The signal, strongly held until the head is in; then a WeakRef (see onHead).
    this.signal = signal
    this.headReceived = false
    // The response's BodyState once the head is in (null for a null body):
    // what an abort then fails. Not the Response: an open body would keep
    // it, its headers and URL alive through this exchange.
    this.responseBody = null
    this.uploadError = null
    this.settled = false
    this.onAbort = null
    this.response = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    if (signal !== null) {
      this.onAbort = abortListener(this)
      signal.addEventListener('abort', this.onAbort, { once: true })
    }
    const nativeHead = ready.head(native)
    // An observed request's head is handled after everything the core
    // reported before it (connections, redirects), in order.
    const head = traced === null ? nativeHead : this.followHops().then(() => nativeHead, (err) => this.fail(err))
    head.then((head) => head !== undefined && this.onHead(headFromNative(head), parts), (err) => this.fail(err))
  }

  /**
   * An observed request: each connection attempt is published, and each
   * redirect the core is about to follow ends the hop's request, and the
   * next hop's is created (subscribers may add headers to it) before the
   * core sends it. Ends when the request is sent (at most its redirect
   * limit of hops).
   */
  async followHops () {
    for (;;) {
      const observed = await this.native.nextObserved()
      if (observed === null || this.settled) return
      if (observed.connect) {
        this.traced.onConnect(observed.connect)
        continue
      }
      const hop = observed.redirect
      this.traced = this.traced.onRedirect(hop)
      try {
        this.native.releaseHop(this.traced.addedHeaders())
      } catch (err) {
        // A header a subscriber pushed unchecked cannot be sent.
        this.native.abort()
        throw new TypeError(err.message)
      }
    }
  }

  unlisten () {
    if (this.onAbort !== null) {
      const signal = this.signal instanceof WeakRef ? this.signal.deref() : this.signal
      signal?.removeEventListener('abort', this.onAbort)
      this.onAbort = null
    }
  }

  fail (err) {
    this.unlisten()
    if (!this.settled) {
      this.settled = true
      this.traced?.onError(err)
      this.reject(err)
    }
  }

  /** §6.6 "abort the fetch() call": the promise, or else the body, fails. */
  abort (reason) {
    this.traced?.onError(reason)
    if (!this.headReceived) {
      this.native.abort()
      this.fail(reason)
    } else if (this.responseBody !== null) {
      // body.fail() aborts the native request too.
      this.responseBody.fail(reason)
    } else {
      this.native.abort()
    }
  }

  /** The request body's producer failed: the request fails with its error. */
  failUpload (err) {
    this.uploadError = err
    if (!this.headReceived) {
      this.native.abort()
      this.fail(err)
    }
  }

  /** The response body ended, failed or was cancelled (or there is none). */
  bodySettled (body, how) {
    this.unlisten()
    if (this.traced === null) return
    if (body === null) this.traced.onComplete()
    else this.traced.onBodySettled(body.native, how ?? body.failure)
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
    this.traced?.onHead(head, this.native)
    // Fetch §4.1 "main fetch" step 22: HEAD requests and null body statuses
    // have a null body.
    const nullBody = parts.method === 'HEAD' || NULL_BODY_STATUSES.has(head.status)
    const onDownload = parts.progress?.download ?? null
    const source = this.traced === null ? this.native : this.traced.bodyReader(this.native)
    const reader = onDownload === null || nullBody ? source : new DownloadProgressNative(source, onDownload, 0)
    const response = responseFromNative(head, nullBody ? null : reader, parts.url)
    if (onDownload !== null) {
      const failure = startDownloadProgress(reader, bodyOf(response), onDownload)
      if (failure !== undefined) {
        this.native.abort()
        return this.fail(failure)
      }
    }
    this.headReceived = true
    this.settled = true
    const body = bodyOf(response)
    this.responseBody = body
    // From here the signal only has to be unlistened from: held weakly, it
    // is freed with its controller (nobody can abort it then), instead of
    // living as long as the body through this exchange. Node itself keeps
    // timeout and composite signals with listeners alive until they fire.
    if (this.signal !== null) this.signal = new WeakRef(this.signal)
    if (body === null) this.bodySettled(null)
    // Only a signal or an observer needs this exchange once the body
    // streams: else nothing here stays referenced by an open (say idle
    // SSE) body.
    else if (this.onAbort !== null || this.traced !== null) body.onSettled = (how) => this.bodySettled(body, how)
    const resolve = this.resolve
    this.resolve = this.reject = null
    // Its makers took `this.response` when they made this exchange; the
    // settled promise would keep the Response alive through it.
    this.response = null
    resolve(response)
  }
}

module.exports = { fetchWith, startNative, coreAdditions, checkScheme, PendingExchange }
