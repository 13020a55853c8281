'use strict'
// Server-Sent Events from a body: parsed by the Rust parser (HTML §9.2.6),
// handed to JS in batches, iterated here. A native response body is parsed
// in Rust without its bytes ever crossing to JS; any other body (a stream
// made in JS) is fed through a standalone native parser.

const { binding } = require('./native')
const { CANCELLED } = require('./body')
const { codes } = require('./codes')
const { watchedSource } = require('./event-timeout')
const { decodeBatch } = require('./sse-batch')
const ready = require('./ready')

/** The native parser's limit when none is given (crates/sse DEFAULT_MAX_SIZE). */
const DEFAULT_MAX_SIZE = 16 * 1024 * 1024

/**
 * What eventsource-parser and the `eventsource` package say when a line or
 * an event is over the limit (their users match on it).
 * @param {number|null|undefined} maxSize  the limit in force; absent: the default
 */
function bufferExceededMessage (maxSize) {
  return `Buffered data exceeded max buffer size of ${maxSize ?? DEFAULT_MAX_SIZE} bytes`
}

/** The error for a line or an event over the size limit. */
function tooLargeError (message) {
  const cause = new Error(message)
  cause.code = codes.SSE_TOO_LARGE
  return new TypeError('event stream line or event exceeds the size limit', { cause })
}

/**
 * Turns text batches (lib/sse-batch.js) into ServerSentEvent objects:
 * `{ event, data, id, retry? }` with `event` defaulting to 'message' and
 * `id` the last event ID in force. A `retry` field is attached to the event
 * its block dispatches, and also reported to `onRetry` when given.
 */
class BatchReader {
  constructor (onRetry, lastEventId) {
    this.onRetry = onRetry
    this.pendingRetry = undefined
    // The events of the batch being read.
    this.events = []
    // Set by a batch's failure item: the events before it are delivered,
    // then this error.
    this.failure = null
    // The body's end or failure item was read.
    this.ended = false
    this.bodyFailed = false
    // The last event ID after the batches read so far: the parser says
    // when it changes (`i` items).
    this.lastEventId = lastEventId
  }

  /** The events of one batch, in order. */
  read (text) {
    this.events = []
    decodeBatch(text, this)
    return this.events
  }

  event (type, data, id) {
    const event = { event: type === '' ? 'message' : type, data, id }
    if (this.pendingRetry !== undefined) {
      event.retry = this.pendingRetry
      this.pendingRetry = undefined
    }
    this.events.push(event)
  }

  retry (digits) {
    const ms = Number(digits)
    this.pendingRetry = ms
    if (this.onRetry) this.onRetry(ms)
  }

  id (id) {
    this.lastEventId = id
  }

  // Comments and notices are for createParser; the iterators skip them.
  comment () {}
  notice () {}

  tooLarge (message) {
    this.failure = tooLargeError(message)
  }

  end () {
    this.ended = true
  }

  failed () {
    this.bodyFailed = true
  }
}

/**
 * An async iterator of events over a body, with a synchronous fast path:
 * events already parsed are handed out without awaiting anything.
 */
class BodyEventIterator {
  /**
   * @param {object} source  { pull(): Promise<object[]|null>, cancel(): void },
   *   and optionally tryPull() (see NativeSource)
   */
  constructor (source) {
    this.source = source
    this.queue = []
    this.head = 0
    this.done = false
    this.pulling = null
  }

  [Symbol.asyncIterator] () { return this }

  /** The last event ID the stream set (HTML 9.2), as the source tracks it. */
  get lastEventId () {
    return this.source.lastEventId()
  }

  /** True when next() can answer from events already parsed. */
  get hasBuffered () {
    return this.head < this.queue.length
  }

  /**
   * The next event already parsed, or undefined when next() would have to
   * wait: for a dispatch loop, without a promise per event.
   */
  takeBuffered () {
    return this.head < this.queue.length ? this.queue[this.head++] : undefined
  }

  next () {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++]
      return Promise.resolve({ value, done: false })
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true })
    return this.refill()
  }

  async refill () {
    const source = this.source
    // Each turn takes a batch or waits for one: bounded by the stream.
    for (;;) {
      let events
      try {
        if (source.tryPull === undefined) {
          events = await source.pull()
        } else {
          events = source.tryPull()
          if (events !== null && !Array.isArray(events)) {
            await events.promise
            continue
          }
        }
      } catch (err) {
        this.finish()
        throw err
      }
      if (events === null) {
        this.finish()
        return { value: undefined, done: true }
      }
      if (events.length > 0) {
        this.queue = events
        this.head = 1
        return { value: events[0], done: false }
      }
    }
  }

  finish () {
    this.done = true
    this.queue = []
    this.head = 0
  }

  /** Stops early (e.g. `break` in for await): the connection is closed. */
  return (value) {
    if (!this.done) {
      this.finish()
      this.source.cancel()
    }
    return Promise.resolve({ value, done: true })
  }

  throw (err) {
    this.return()
    return Promise.reject(err)
  }
}

/**
 * Events parsed in Rust straight from a native response body. A class, not
 * an object of closures: an idle stream then holds one small object here.
 */
class NativeSource {
  /**
   * @param {object} body  BodyState with `native`
   * @param {object} options  { maxSize, lastEventId, onRetry, eventTimeout }
   */
  constructor (body, options) {
    this.body = body
    this.native = body.native
    // eventTimeout: watched in Rust, next to the parser.
    this.native.startEvents(options.maxSize ?? null, options.lastEventId ?? null, options.eventTimeout ?? null)
    this.reader = new BatchReader(options.onRetry, options.lastEventId ?? '')
  }

  /**
   * One synchronous look: the events of the next batch that has any, null
   * once the stream ended, or a Wait (lib/ready.js) to await before looking
   * again. Throws the stream's failure. Lets BodyEventIterator skip the
   * promise an async pull() costs per wait (the fan-in case).
   */
  tryPull () {
    const { native, reader } = this
    // Each turn takes a batch: bounded by the stream.
    for (;;) {
      if (reader.failure !== null) throw reader.failure
      if (reader.ended) return null
      // Nothing yet is a Wait, already armed (the end or a failure would
      // have been an item).
      const text = ready.readEventsOrWait(native)
      if (typeof text !== 'string') return text
      const events = reader.read(text)
      this.settleIfLast()
      if (events.length > 0) return events
    }
  }

  async pull () {
    // Each turn waits for the body to change: bounded by the stream.
    for (;;) {
      const got = this.tryPull()
      if (got === null || Array.isArray(got)) return got
      await got.promise
    }
  }

  /**
   * After a batch that ended the stream: the events before the end come
   * first, then (with the next pull) the end or the error.
   */
  settleIfLast () {
    const { reader, body } = this
    if (reader.failure !== null) {
      // Over the size limit: nothing more is read.
      this.native.cancel()
      body.settle(reader.failure)
    } else if (reader.bodyFailed) {
      body.settle()
      reader.failure = body.nativeFailure()
    } else if (reader.ended) {
      body.settle()
    }
  }

  cancel () {
    this.native.cancel()
    this.body.settle(CANCELLED)
  }

  lastEventId () {
    return this.reader.lastEventId
  }
}

/** Events from any ReadableStream of bytes, through a standalone parser. */
function streamSource (stream, options) {
  const lastEventId = options.lastEventId ?? ''
  const parser = new binding.NativeSseParser(options.maxSize ?? null, false, lastEventId)
  const reader = new BatchReader(options.onRetry, lastEventId)
  const streamReader = stream.getReader()
  return {
    async pull () {
      for (;;) {
        if (reader.failure !== null) throw reader.failure
        if (reader.ended) return null
        const { done, value } = await streamReader.read()
        const events = reader.read(done ? parser.finish() : parser.feed(value))
        if (reader.failure !== null) streamReader.cancel().catch(() => {})
        reader.ended = done
        if (events.length > 0) return events
      }
    },
    cancel () {
      streamReader.cancel().catch(() => {})
    },
    lastEventId: () => reader.lastEventId
  }
}

/**
 * The events of a body, once (Response.prototype.events()).
 * @param {object} body  BodyState (already checked usable)
 */
function eventsOfBody (body, streamOf, options = {}) {
  let source
  if (body === null) {
    source = { pull: async () => null, cancel () {}, lastEventId: () => '' }
  } else if (body.native !== null && body.stream === null) {
    body.used = true
    source = new NativeSource(body, options)
  } else {
    source = watchedSource(streamSource(streamOf(body), options), options.eventTimeout)
  }
  return new BodyEventIterator(source)
}

module.exports = {
  eventsOfBody, BodyEventIterator, DEFAULT_MAX_SIZE, bufferExceededMessage
}
