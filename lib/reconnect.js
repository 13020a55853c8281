'use strict'
// The one reconnection policy of event streams, used by both events() and
// EventSource so that the two cannot disagree (they did: a huge `retry`, a
// first backoff shorter than `retry`, an over-size event retried). It holds
// HTML §9.2.3 "reestablish the connection": the reconnection time (the
// server's `retry`, clamped), backoff with jitter while connecting fails,
// which failures are worth a reconnection, and the last event ID string
// sent back as `Last-Event-ID`.

const { isFutileFailure } = require('./errors')
const { codes } = require('./codes')

/** "a reconnection time, in milliseconds ... initialized to an implementation-defined value, probably in the region of a few seconds" */
const DEFAULT_RECONNECTION_TIME = 3000
/** Backoff ceiling while the server is unreachable (events()' default `maxRetryDelay`). */
const DEFAULT_MAX_BACKOFF = 30000
/**
 * The largest delay honoured: setTimeout fires after 1 ms for anything
 * longer (Node clamps it), which would turn a huge `retry` into a tight
 * reconnection loop. A longer `retry` waits this long (about 24.8 days).
 */
const MAX_DELAY = 2 ** 31 - 1
/** Exponent cap, so that 2 ** n stays finite whatever the failure count. */
const MAX_DOUBLINGS = 16

/** The request header carrying the last event ID string. */
const LAST_EVENT_ID = 'Last-Event-ID'

/**
 * Codes of failures that the same request would meet again on every
 * reconnection (besides errors.js's, for any request).
 */
const FUTILE_FOR_STREAMS = new Set([
  // A line or event over the size limit would come back on reconnection:
  // the stream's fault, not the network's (as the `eventsource` package v5).
  codes.SSE_TOO_LARGE,
  // Fetch's "Failed to parse URL" TypeError carries the URL parser's error
  // as its cause: a caller's mistake, though it has a cause.
  'ERR_INVALID_URL',
  // A bug in ferrofetch, not a condition that time fixes.
  codes.INTERNAL
])

/** A delay that setTimeout honours: 0 to MAX_DELAY ms. */
function clampDelay (ms) {
  if (!(ms > 0)) return 0
  return Math.min(ms, MAX_DELAY)
}

/**
 * True when `err` (a rejected fetch, or a body that failed mid-stream) is
 * worth a reconnection. §9.2.2 step 15.2: "if res is a network error, then
 * reestablish the connection, unless the user agent knows that to be
 * futile". Futile: an abort (only close() or the caller aborts), a request
 * the fetch function refuses (a TypeError without a cause, as Fetch raises
 * for bad arguments; a RangeError; an unparsable URL), a client closed or a
 * scheme that is not HTTP, an over-size line or event, and a bug. Anything else is a network failure: a
 * TypeError with a cause (with a `code` or not), a TimeoutError, and, as the
 * `eventsource` package does, whatever else a custom fetch rejects with.
 */
function isRetryable (err) {
  if (err?.name === 'AbortError') return false
  if (err instanceof TypeError && err.cause === undefined) return false
  if (err instanceof RangeError) return false
  if (isFutileFailure(err) || FUTILE_FOR_STREAMS.has(err?.cause?.code) || FUTILE_FOR_STREAMS.has(err?.code)) return false
  return true
}

/** True for the error of a line or an event over the size limit. */
function isTooLarge (err) {
  return err?.cause?.code === codes.SSE_TOO_LARGE
}

/**
 * setTimeout for a reconnection. `keepAlive: false` unrefs the timer where
 * the runtime can (Node, Bun), so that waiting to reconnect does not keep
 * the process alive.
 */
function reconnectTimer (callback, ms, { keepAlive }) {
  const timer = setTimeout(callback, clampDelay(ms))
  if (!keepAlive && typeof timer?.unref === 'function') timer.unref()
  return timer
}

class ReconnectPolicy {
  /**
   * @param {{ reconnectionTime?: number, maxBackoff?: number, lastEventId?: string }} [options]
   */
  constructor ({ reconnectionTime = DEFAULT_RECONNECTION_TIME, maxBackoff = DEFAULT_MAX_BACKOFF, lastEventId = '' } = {}) {
    // "the reconnection time": the server's `retry`, or the caller's.
    this.reconnectionTime = clampDelay(reconnectionTime)
    // The backoff ceiling; never below the reconnection time (see delay()).
    this.maxBackoff = clampDelay(maxBackoff)
    // "the last event ID string", sent as Last-Event-ID when not empty.
    this.lastEventId = lastEventId
    // Connection attempts in a row that got no response.
    this.failures = 0
  }

  /** The server's `retry` field: §9.2.6 "set the event stream's reconnection time to that integer". */
  setRetry (ms) {
    this.reconnectionTime = clampDelay(ms)
  }

  /** A response arrived: backoff starts over. */
  connected () {
    this.failures = 0
  }

  /** A connection attempt got no response. */
  failed () {
    this.failures++
  }

  /**
   * §9.2.3 step 3 "Wait a delay equal to the reconnection time of the event
   * source", and step 4 "Optionally, wait some more": after the second
   * failure in a row, exponential backoff from the reconnection time, capped
   * at maxBackoff, with jitter over its upper half. Never less than the
   * reconnection time, never more than MAX_DELAY.
   */
  delay () {
    const time = this.reconnectionTime
    if (this.failures <= 1) return time
    const ceiling = Math.min(this.maxBackoff, time * 2 ** Math.min(this.failures - 1, MAX_DOUBLINGS))
    return clampDelay(Math.max(time, ceiling / 2 + Math.random() * (ceiling / 2)))
  }

  /**
   * §9.2.3 step 6.3: "If ev's last event ID string is not the empty string,
   * set (`Last-Event-ID`, lastEventIDValue) in request's header list."
   * @returns {string | null} the header value, or null for none
   */
  lastEventIdHeader () {
    return this.lastEventId === '' ? null : this.lastEventId
  }
}

/**
 * A caller's own Last-Event-ID header is where the stream resumes: it
 * becomes the initial last event ID string (which the server may then
 * change) and is taken out of `headers`, so that the policy alone sets it.
 * @param {Headers} headers  the caller's headers (a copy we own)
 * @returns {string | null}
 */
function takeLastEventId (headers) {
  const value = headers.get(LAST_EVENT_ID)
  if (value !== null) headers.delete(LAST_EVENT_ID)
  return value
}

module.exports = {
  ReconnectPolicy,
  isRetryable,
  isTooLarge,
  reconnectTimer,
  takeLastEventId,
  clampDelay,
  LAST_EVENT_ID,
  MAX_DELAY,
  DEFAULT_RECONNECTION_TIME,
  DEFAULT_MAX_BACKOFF
}
