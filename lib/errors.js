'use strict'
// Errors as undici raises them, so that code written for Node's fetch keeps
// working: network failures are TypeError('fetch failed') with a `cause`
// that carries a stable `code`; time limits are DOMException TimeoutError;
// aborts reject with the signal's reason. Messages are not API; `name`,
// the class and `code` are.

const { codes } = require('./codes')

/** A cause error carrying the stable code, e.g. ECONNREFUSED. */
function causeOf (info) {
  const cause = new Error(info.message)
  cause.code = info.code
  return cause
}

/**
 * Builds the JS error for a failure reported by the native layer.
 * @param {{kind: string, code: string, message: string}} info
 * @param {'head'|'body'} phase  where it happened: undici says 'fetch failed'
 *   before the response and 'terminated' once the body is streaming.
 */
function fromNative (info, phase) {
  switch (info.kind) {
    case 'timeout':
      return timeoutError(info.message, info.code)
    case 'aborted':
      return new DOMException('This operation was aborted', 'AbortError')
    case 'invalid':
      return new TypeError(info.message)
    case 'network':
      return new TypeError(phase === 'body' ? 'terminated' : 'fetch failed', { cause: causeOf(info) })
    default: {
      const err = new Error(`ferrofetch internal error: ${info.message}`, { cause: causeOf(info) })
      err.code = info.code
      return err
    }
  }
}

/** A network error found in JS, as fetch() rejects with it: TypeError('fetch failed') whose cause has `code`. */
function networkError (message, code) {
  return new TypeError('fetch failed', { cause: causeOf({ message, code }) })
}

/** A DOMException named TimeoutError whose cause has the stable code. */
function timeoutError (message, code) {
  return new DOMException(message, { name: 'TimeoutError', cause: causeOf({ message, code }) })
}

/** The signal's reason, or the default AbortError when it has none. */
function abortReason (signal) {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError')
}

/**
 * Failure codes that no reconnection can fix: the same request would fail
 * the same way forever (the client is closed, the scheme is not HTTP).
 */
const FUTILE_CODES = new Set([codes.CLIENT_CLOSED, codes.UNSUPPORTED_SCHEME])

/** True when retrying the request that failed with `err` is pointless. */
function isFutileFailure (err) {
  return FUTILE_CODES.has(err?.cause?.code)
}

module.exports = { fromNative, networkError, timeoutError, abortReason, isFutileFailure }
