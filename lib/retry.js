'use strict'
// `retry`: an opt-in retry of failed requests, in ky's and got's
// vocabulary ({ limit, methods, statusCodes, afterStatusCodes,
// maxRetryAfter, backoffLimit, delay, jitter }), so that code moves over
// unchanged. Off by default (limit 0): Node's fetch never retries, and a
// drop-in must not start to. Each attempt is a real new request; the
// Response returned is the last attempt's.

const { isFutileFailure, timeoutError, abortReason } = require('./errors')
const { codes, CORE_UNEXPOSED } = require('./codes')

const DEFAULT_METHODS = ['GET', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']
const DEFAULT_STATUS_CODES = [408, 413, 429, 500, 502, 503, 504]
const DEFAULT_AFTER_STATUS_CODES = [413, 429, 503]
/** setTimeout's longest honoured delay: a longer one would fire at once. */
const MAX_DELAY = 2 ** 31 - 1

/**
 * Failure codes that the same request would meet again on every attempt:
 * a certificate, a redirect loop or a bad Location do not heal with time.
 */
const DETERMINISTIC_CODES = new Set([
  codes.TLS,
  codes.TOO_MANY_REDIRECTS,
  codes.UNEXPECTED_REDIRECT,
  codes.BAD_REDIRECT,
  CORE_UNEXPOSED.INVALID_ARG,
  codes.UPLOAD_FAILED
])

/** ky's default delay before retry `attemptCount` (from 1): 0.3 s doubling. */
function defaultDelay (attemptCount) {
  return 0.3 * (2 ** (attemptCount - 1)) * 1000
}

function numberList (value, name, context, normalize) {
  if (!Array.isArray(value)) throw new TypeError(`${context}: 'retry.${name}' must be an array`)
  return new Set(value.map(normalize))
}

function statusList (value, name, context) {
  return numberList(value, name, context, (code) => {
    if (!Number.isInteger(code)) throw new TypeError(`${context}: 'retry.${name}' must hold status codes (integers)`)
    return code
  })
}

function nonNegative (value, name, context) {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${context}: 'retry.${name}' must be a number`)
  }
  if (value < 0) throw new RangeError(`${context}: 'retry.${name}' must be >= 0 (got ${value})`)
  return value
}

/**
 * The `retry` option validated: null when off (absent, 0, limit 0), else
 * the policy with ky's defaults filled in. A number is the limit alone, as
 * ky takes it.
 * @param {*} value  init.retry or a Client's `retry`
 * @param {string} context  'RequestInit' or 'Client', for errors
 */
function retryOption (value, context) {
  if (value === undefined || value === null) return null
  const options = typeof value === 'number' ? { limit: value } : value
  if (typeof options !== 'object') throw new TypeError(`${context}: 'retry' must be a number or an object`)
  const limit = options.limit ?? 0
  if (!Number.isInteger(limit)) throw new TypeError(`${context}: 'retry.limit' must be an integer`)
  if (limit < 0) throw new RangeError(`${context}: 'retry.limit' must be >= 0 (got ${limit})`)
  const delay = options.delay ?? defaultDelay
  if (typeof delay !== 'function') throw new TypeError(`${context}: 'retry.delay' must be a function`)
  const jitter = options.jitter ?? true
  if (typeof jitter !== 'boolean' && typeof jitter !== 'function') {
    throw new TypeError(`${context}: 'retry.jitter' must be a boolean or a function`)
  }
  const policy = {
    limit,
    methods: numberList(options.methods ?? DEFAULT_METHODS, 'methods', context, (m) => {
      if (typeof m !== 'string') throw new TypeError(`${context}: 'retry.methods' must hold method names`)
      return m.toUpperCase()
    }),
    statusCodes: statusList(options.statusCodes ?? DEFAULT_STATUS_CODES, 'statusCodes', context),
    afterStatusCodes: statusList(options.afterStatusCodes ?? DEFAULT_AFTER_STATUS_CODES, 'afterStatusCodes', context),
    maxRetryAfter: options.maxRetryAfter === undefined ? Infinity : nonNegative(options.maxRetryAfter, 'maxRetryAfter', context),
    backoffLimit: options.backoffLimit === undefined ? Infinity : nonNegative(options.backoffLimit, 'backoffLimit', context),
    delay,
    jitter
  }
  return limit === 0 ? null : policy
}

/**
 * RFC 9110 §10.2.3 Retry-After: delay-seconds or an HTTP-date. The wait
 * in ms, or null when the header is absent or unreadable.
 */
function retryAfterMs (value, now = Date.now()) {
  if (value === null) return null
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  if (Number.isNaN(at)) return null
  return Math.max(0, at - now)
}

/** Exponential backoff for retry `attemptCount`, capped and jittered. */
function backoffMs (policy, attemptCount) {
  const base = Math.min(policy.backoffLimit, Number(policy.delay(attemptCount)) || 0)
  if (policy.jitter === false) return base
  // "Full jitter": anywhere in [0, base], so that clients that failed
  // together do not come back together.
  const jittered = policy.jitter === true ? Math.random() * base : Number(policy.jitter(base)) || 0
  return Math.min(policy.backoffLimit, Math.max(0, jittered))
}

/** True when a failed attempt (`err`, before any response head) is worth another. */
function isRetryableFailure (err) {
  if (err instanceof TypeError) {
    if (err.cause === undefined || err.cause === null) return false
    return !isFutileFailure(err) && !DETERMINISTIC_CODES.has(err.cause.code)
  }
  // A connection that could not be set up in time may well be next time;
  // the whole-request `timeout` is the budget of all attempts, not this.
  return err?.name === 'TimeoutError' && err.cause?.code === codes.CONNECT_TIMEOUT
}

/**
 * The wait before retrying `response`, or null when it is not retried:
 * ky's rules. A status with `Retry-After` in afterStatusCodes waits what
 * the server says, and is not retried when that is over maxRetryAfter; a
 * 413 without one is not retried (the body stays too large).
 */
function statusDelay (policy, response, attemptCount) {
  const status = response.status
  if (!policy.statusCodes.has(status)) return null
  if (policy.afterStatusCodes.has(status)) {
    const after = retryAfterMs(response.headers.get('retry-after'))
    // Capped by maxRetryAfter, as ky does (the "capped"): the
    // server's wish is honoured up to the caller's patience.
    if (after !== null) return Math.min(after, policy.maxRetryAfter)
  }
  if (status === 413) return null
  return backoffMs(policy, attemptCount)
}

/**
 * Waits `ms`, or less: an abort of `signal` rejects with its reason, and
 * `deadline` (epoch ms, the whole-request `timeout`) with a TimeoutError,
 * at once.
 */
function wait (ms, signal, deadline) {
  return new Promise((resolve, reject) => {
    if (signal !== null && signal.aborted) return reject(abortReason(signal))
    const timedOut = deadline !== null && Date.now() + ms >= deadline
    const timer = setTimeout(done, Math.min(MAX_DELAY, timedOut ? Math.max(0, deadline - Date.now()) : ms))
    function done () {
      signal?.removeEventListener('abort', onAbort)
      if (timedOut) reject(timeoutError('the request timed out', codes.TIMEOUT))
      else resolve()
    }
    function onAbort () {
      clearTimeout(timer)
      reject(abortReason(signal))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Drops a response that will be retried: its connection is closed, not drained. */
function discard (response) {
  try {
    response.body?.cancel().catch(() => {})
  } catch {}
}

/**
 * Sends `parts` with retries.
 * @param {object} policy  from retryOption
 * @param {object} parts  the request; its body is replayable (bytes or Blob) or null
 * @param {number|null} timeout  the whole-request limit in ms, across attempts
 * @param {(parts: object) => Promise<Response>} sendOnce  one real request
 * @param {(parts: object) => object} fresh  the parts for one attempt (a new body state)
 */
async function sendWithRetry (policy, parts, timeout, sendOnce, fresh) {
  // 0 is no limit, as for a single request.
  const deadline = timeout ? Date.now() + timeout : null
  const canRetry = policy.methods.has(parts.method)
  // Bounded: at most policy.limit + 1 attempts.
  for (let attemptCount = 1; ; attemptCount++) {
    const attempt = fresh(parts)
    if (deadline !== null) attempt.timeout = Math.max(1, deadline - Date.now())
    const last = !canRetry || attemptCount > policy.limit
    let response
    try {
      response = await sendOnce(attempt)
    } catch (err) {
      if (last || !isRetryableFailure(err)) throw err
      await wait(backoffMs(policy, attemptCount), parts.signal, deadline)
      continue
    }
    if (last) return response
    const ms = statusDelay(policy, response, attemptCount)
    if (ms === null) return response
    discard(response)
    await wait(ms, parts.signal, deadline)
  }
}

module.exports = { retryOption, sendWithRetry, retryAfterMs, backoffMs }
