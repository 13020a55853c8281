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
    // The pending next()'s settlers while a tryPull source is listened to.
    this.resolveNext = null
    this.rejectNext = null
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
    return this.source.tryPull === undefined ? this.refill() : this.pullNow()
  }

  /** For a source without tryPull: awaits its pull(). */
  async refill () {
    const source = this.source
    // Each turn takes a batch: bounded by the stream.
    for (;;) {
      let events
      try {
        events = await source.pull()
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

  /**
   * For a source with tryPull: an event at hand, or one promise that the
   * source's wake() (from the ready-queue's drain) settles: no async
   * function or wait promise in between (the fan-in case).
   */
  pullNow () {
    let result
    try {
      result = this.step()
    } catch (err) {
      return Promise.reject(err)
    }
    if (result !== null) return Promise.resolve(result)
    return new Promise((resolve, reject) => {
      this.resolveNext = resolve
      this.rejectNext = reject
      this.source.listen(this)
    })
  }

  /** The source has something for the pending next() (called by the source). */
  wake () {
    const resolve = this.resolveNext
    const reject = this.rejectNext
    let result
    try {
      result = this.step()
    } catch (err) {
      this.resolveNext = this.rejectNext = null
      reject(err)
      return
    }
    if (result === null) {
      // Nothing for an event yet (a comment, say): keep listening.
      this.source.listen(this)
      return
    }
    this.resolveNext = this.rejectNext = null
    resolve(result)
  }

  /** One synchronous look at a tryPull source: an iterator result, or null to wait. */
  step () {
    let events
    try {
      events = this.source.tryPull()
    } catch (err) {
      this.finish()
      throw err
    }
    if (events === null) {
      this.finish()
      return { value: undefined, done: true }
    }
    if (!Array.isArray(events)) return null
    this.queue = events
    this.head = 1
    return { value: events[0], done: false }
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
    // The armed EventWait (lib/ready.js), if any; a batch it brought, not
    // yet read; who awaits the next one.
    this.wait = null
    this.pendingText = ''
    this.listener = null
  }

  /**
   * One synchronous look: the events of the next batch that has any, null
   * once the stream ended, or its armed EventWait (lib/ready.js) when
   * nothing is parsed yet: then listen(). Throws the stream's failure.
   */
  tryPull () {
    const { reader } = this
    // Each turn takes a batch: bounded by the stream.
    for (;;) {
      if (reader.failure !== null) throw reader.failure
      if (reader.ended) return null
      let text = this.pendingText
      if (text !== '') {
        this.pendingText = ''
      } else if (this.wait !== null) {
        // Armed and not completed: nothing to read yet.
        return this.wait
      } else {
        // Nothing yet is an EventWait, already armed (the end or a failure
        // would have been an item).
        const got = ready.readEventsOrWait(this.native, this)
        if (typeof got !== 'string') {
          this.wait = got
          return got
        }
        text = got
      }
      const events = reader.read(text)
      this.settleIfLast()
      if (events.length > 0) return events
    }
  }

  /**
   * Calls `listener.wake()` once, from the drain, when this stream has
   * something: a batch, or a wait that ended (then tryPull reads).
   */
  listen (listener) {
    this.listener = listener
    this.wait.want()
  }

  /** From the drain: the wait completed, with the batch `text` ('' if none was taken). */
  delivered (text, rearmed) {
    if (!rearmed) this.wait = null
    this.pendingText = text
    const listener = this.listener
    this.listener = null
    if (listener !== null) listener.wake()
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
