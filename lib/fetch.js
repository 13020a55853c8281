'use strict'
// fetch(): Fetch §6.6 "fetch(input, init)" over the native core. The core
// does the network, redirects and time limits; this layer validates, wires
// the abort signal, and builds the Response.

const { requestParts, headerListOf } = require('./request')
const { Response, fromNative: responseFromNative, bodyOf, NULL_BODY_STATUSES } = require('./response')
const { consumeBytes, isUnusable } = require('./body')
const { fromNative: errorFromNative, abortReason } = require('./errors')

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

async function send (nativeClient, defaults, parts) {
  const signal = parts.signal
  // §6.6 step 4: an already aborted signal rejects at once.
  if (signal !== null && signal.aborted) throw abortReason(signal)
  const url = parts.url
  if (!url.startsWith('http:') && !url.startsWith('https:')) {
    const cause = new Error(`unknown scheme in ${url}`)
    cause.code = 'ERR_FF_UNSUPPORTED_SCHEME'
    throw new TypeError('fetch failed', { cause })
  }
  let bodyBytes = null
  if (parts.body !== null) {
    if (isUnusable(parts.body)) throw new TypeError('Request body has already been used')
    bodyBytes = await consumeBytes(parts.body)
    if (signal !== null && signal.aborted) throw abortReason(signal)
  }
  let native
  try {
    native = nativeClient.start(
      parts.method,
      url,
      headerListOf(parts),
      bodyBytes,
      parts.redirect,
      parts.timeout ?? defaults.timeout,
      parts.connectTimeout ?? defaults.connectTimeout,
      parts.readTimeout ?? defaults.readTimeout
    )
  } catch (err) {
    // Only what slipped past validation gets here; it is still the
    // caller's argument that is wrong.
    throw new TypeError(err.message)
  }
  return new Promise((resolve, reject) => {
    let response = null
    let onAbort = null
    if (signal !== null) {
      onAbort = () => {
        const reason = abortReason(signal)
        if (response === null) {
          native.abort()
          reject(reason)
        } else {
          // §6.6 "abort the fetch() call": error the response's body.
          const body = bodyOf(response)
          if (body !== null) body.fail(reason)
        }
      }
      signal.addEventListener('abort', onAbort, { once: true })
    }
    const unlisten = () => {
      if (onAbort !== null) signal.removeEventListener('abort', onAbort)
    }
    native.head().then((head) => {
      if (head.error) {
        unlisten()
        if (head.error.kind === 'aborted' && signal !== null && signal.aborted) {
          reject(abortReason(signal))
        } else {
          reject(errorFromNative(head.error, 'head'))
        }
        return
      }
      // Fetch §4.1 "main fetch" step 22: HEAD requests and null body
      // statuses have a null body.
      const nullBody = parts.method === 'HEAD' || NULL_BODY_STATUSES.has(head.status)
      response = responseFromNative(head, nullBody ? null : native, url)
      const body = bodyOf(response)
      if (body === null) unlisten()
      else body.onSettled = unlisten
      resolve(response)
    }, (err) => {
      unlisten()
      reject(err)
    })
  })
}

module.exports = { fetchWith, Response }
