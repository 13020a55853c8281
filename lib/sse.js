'use strict'
// Server-Sent Events from a body: parsed by the Rust parser (HTML §9.2.6),
// handed to JS in batches, iterated here. A native response body is parsed
// in Rust without its bytes ever crossing to JS; any other body (a stream
// made in JS) is fed through a standalone native parser.

const { binding } = require('./native')
const { CANCELLED } = require('./body')
const { codes } = require('./codes')
const ready = require('./ready')

/** Slots per item in a native batch (see src/sse.rs). */
const SLOTS = 4
const EMPTY = new Uint8Array(0)
const END = -1
const FAILED = -2

/** The failure item that ends a batch (see src/sse.rs). */
const FAILURE_TAG = 'x'
/** Text-batch tags as character codes: event, retry, last ID, failure. */
const TAG_EVENT = 0x65 // 'e'
const TAG_RETRY = 0x72 // 'r'
const TAG_ID = 0x69 // 'i'
const TAG_FAILURE = FAILURE_TAG.charCodeAt(0)

/** The error for a line or an event over the size limit. */
function tooLargeError (message) {
  const cause = new Error(message)
  cause.code = codes.SSE_TOO_LARGE
  return new TypeError('event stream line or event exceeds the size limit', { cause })
}

/**
 * Turns batches into ServerSentEvent objects: `{ event, data, id, retry? }`
 * with `event` defaulting to 'message' and `id` the last event ID in force.
 * A `retry` field is attached to the event its block dispatches, and also
 * reported to `onRetry` when given.
 */
class BatchReader {
  constructor (onRetry, onComment) {
    this.onRetry = onRetry
    this.onComment = onComment
    this.pendingRetry = undefined
    // Set by a batch's failure item: the events before it are delivered,
    // then this error.
    this.failure = null
    // The last event ID after the batches read so far (text batches say
    // when it changes).
    this.lastEventId = ''
  }

  /** An event object, carrying the retry its block set (if any). */
  event (type, data, id) {
    const event = { event: type, data, id }
    if (this.pendingRetry !== undefined) {
      event.retry = this.pendingRetry
      this.pendingRetry = undefined
    }
    return event
  }

  retry (digits) {
    const ms = Number(digits)
    this.pendingRetry = ms
    if (this.onRetry) this.onRetry(ms)
  }

  /**
   * Appends the events of a text batch to `out`: items as
   * `tag CR a CR b CR c CR` (see src/sse.rs, TextBatch), empty fields
   * meaning the defaults. An `i` item carries a new last event ID.
   */
  collectText (text, out) {
    // Walked with indexOf rather than split('\r'): no array of every field
    // first, and the one-letter tag is compared as a character code.
    const end = text.length
    let at = 0
    while (at < end) {
      const a = text.indexOf('\r', at)
      const b = text.indexOf('\r', a + 1)
      const c = text.indexOf('\r', b + 1)
      const d = text.indexOf('\r', c + 1)
      if (a < 0 || b < 0 || c < 0 || d < 0) break
      const tag = a - at === 1 ? text.charCodeAt(at) : 0
      if (tag === TAG_EVENT) {
        out.push(this.event(b - a > 1 ? text.slice(a + 1, b) : 'message', text.slice(b + 1, c), text.slice(c + 1, d)))
      } else if (tag === TAG_RETRY) {
        this.retry(text.slice(b + 1, c))
      } else if (tag === TAG_ID) {
        this.lastEventId = text.slice(b + 1, c)
      } else if (tag === TAG_FAILURE) {
        this.failure = tooLargeError(text.slice(b + 1, c))
      }
      at = d + 1
    }
  }

  /** Appends the events of `items` to `out`. */
  collect (items, out) {
    for (let i = 0; i < items.length; i += SLOTS) {
      const tag = items[i]
      if (tag === 'e') {
        out.push(this.event(items[i + 1] ?? 'message', items[i + 2], items[i + 3] ?? ''))
      } else if (tag === 'r') {
        this.retry(items[i + 2])
      } else if (tag === 'c') {
        if (this.onComment) this.onComment(items[i + 2])
      } else if (tag === FAILURE_TAG) {
        this.failure = tooLargeError(items[i + 2])
      }
      // Notices ('n') are for createParser's onError; iterators skip them.
    }
  }
}

/**
 * An async iterator of events over a body, with a synchronous fast path:
 * events already parsed are handed out without awaiting anything.
 */
class BodyEventIterator {
  /**
   * @param {object} source  { pull(): Promise<object[]|null>, cancel(): void }
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
    for (;;) {
      let events
      try {
        events = await this.source.pull()
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
   * @param {object} options  { maxSize, lastEventId, onRetry }
   */
  constructor (body, options) {
    this.body = body
    this.native = body.native
    this.native.startEvents(options.maxSize ?? null, options.lastEventId ?? null)
    this.reader = new BatchReader(options.onRetry)
    this.reader.lastEventId = options.lastEventId ?? ''
  }

  async pull () {
    const { native, reader, body } = this
    for (;;) {
      if (reader.failure !== null) throw reader.failure
      const text = native.readEvents()
      if (text.length > 0) {
        const out = []
        reader.collectText(text, out)
        if (reader.failure !== null) {
          // Over the size limit: nothing more is read. The events before
          // the failure come first, the error with the next pull.
          native.cancel()
          body.settle(reader.failure)
          if (out.length === 0) throw reader.failure
        }
        if (out.length > 0) return out
        continue
      }
      const status = native.readInto(EMPTY)
      if (status === END) {
        body.settle()
        return null
      }
      if (status === FAILED) {
        body.settle()
        throw body.nativeFailure()
      }
      if (status === 0) await ready.readable(native).promise
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
  const parser = new binding.NativeSseParser(options.maxSize ?? null, false)
  if (options.lastEventId) parser.lastEventId = options.lastEventId
  const reader = new BatchReader(options.onRetry)
  const streamReader = stream.getReader()
  return {
    async pull () {
      for (;;) {
        if (reader.failure !== null) throw reader.failure
        const { done, value } = await streamReader.read()
        const items = done ? parser.finish() : parser.feed(value)
        const out = []
        reader.collect(items, out)
        if (reader.failure !== null) {
          streamReader.cancel().catch(() => {})
          if (out.length === 0) throw reader.failure
          return out
        }
        if (out.length > 0 || done) return out.length > 0 ? out : null
      }
    },
    cancel () {
      streamReader.cancel().catch(() => {})
    },
    lastEventId: () => parser.lastEventId
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
    source = streamSource(streamOf(body), options)
  }
  return new BodyEventIterator(source)
}

module.exports = { eventsOfBody, BatchReader, BodyEventIterator, SLOTS, FAILURE_TAG }
