'use strict'
// `eventTimeout`: the longest time an event stream may go without an event
// (a dispatched one: comments and `retry`-only blocks do not count, unlike
// `readTimeout`, which any byte resets). For ferrofetch's own responses
// the timer runs in Rust next to the parser (src/sse.rs, crates/core
// event_timeout.rs): no JS timer per stream. Only a body made in JS (a
// Response from another fetch, or built over a stream) is watched here.

const { msOption } = require('./options')
const { timeoutError } = require('./errors')

const { codes } = require('./codes')

/**
 * The option from `options` (null when absent or 0: no limit).
 * @param {string} context  who takes it, for the error
 */
function eventTimeoutOption (options, context) {
  const ms = msOption(options, 'eventTimeout', context)
  return ms === 0 ? null : ms
}

/** The error a stream ends with when its eventTimeout ran out. */
function eventTimeoutError () {
  return timeoutError('no event within eventTimeout', codes.EVENT_TIMEOUT)
}

/**
 * A watchdog over a JS-fed event stream: `expired()` is called once when
 * `ms` passes without `reset()`. One timer per stream, re-armed lazily
 * (at expiry, not on every event), unref'd: a quiet stream does not keep
 * the process alive by this timer.
 */
class JsEventWatchdog {
  constructor (ms, expired) {
    this.ms = ms
    this.expired = expired
    this.last = Date.now()
    this.timer = null
    this.arm(ms)
  }

  arm (ms) {
    this.timer = setTimeout(() => this.check(), ms)
    this.timer.unref?.()
  }

  check () {
    const left = this.last + this.ms - Date.now()
    if (left > 0) return this.arm(left)
    this.timer = null
    this.expired()
  }

  /** An event was dispatched. */
  reset () {
    this.last = Date.now()
  }

  stop () {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }
}

/**
 * `source` (an events source of lib/sse.js fed from a JS stream) under a
 * watchdog: when `ms` passes without an event, the stream is cancelled
 * (its connection closed) and the next pull rejects with the timeout.
 */
function watchedSource (source, ms) {
  if (ms === null || ms === undefined) return source
  let failure = null
  const watchdog = new JsEventWatchdog(ms, () => {
    failure = eventTimeoutError()
    source.cancel()
  })
  return {
    async pull () {
      if (failure !== null) throw failure
      let events
      try {
        events = await source.pull()
      } catch (err) {
        watchdog.stop()
        throw failure ?? err
      }
      // Cancelled by the watchdog: the read ended early.
      if (failure !== null) throw failure
      if (events === null) watchdog.stop()
      else if (events.length > 0) watchdog.reset()
      return events
    },
    cancel () {
      watchdog.stop()
      source.cancel()
    },
    lastEventId: () => source.lastEventId()
  }
}

/** `options` for eventsOfBody with `eventTimeout` set to `ms` (null: none). */
function withEventTimeout (options, ms) {
  return options.eventTimeout === ms ? options : { ...options, eventTimeout: ms }
}

/**
 * The eventTimeout of a fetched body's client (set by fetch from the
 * Client's `eventTimeout`), or null.
 */
function defaultEventTimeout (body) {
  return body?.defaultEventTimeout ?? null
}

/** Gives a fetched body its client's default eventTimeout (see defaultEventTimeout). */
function applyDefaultEventTimeout (body, ms) {
  if (body !== null && ms !== null && ms !== undefined && ms !== 0) body.defaultEventTimeout = ms
}

module.exports = {
  withEventTimeout,
  defaultEventTimeout,
  applyDefaultEventTimeout,
  watchedSource,
  eventTimeoutOption,
  eventTimeoutError,
  JsEventWatchdog
}
