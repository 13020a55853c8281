'use strict'
// createParser(): eventsource-parser v3's API (`createParser({ onEvent,
// onRetry, onComment, onError })` → `{ feed, reset }`, `ParseError`,
// `EventSourceParserStream`) over the Rust parser, so that code written for
// eventsource-parser keeps working and gets the native line splitter.
//
// The Rust parser follows HTML §9.2.6 exactly; eventsource-parser 3.1 has a
// few observable habits of its own. Compatibility is the point of this
// module, so the JS here reproduces them around the native parser:
//
// - Events carry the `id` and `event` of their own block, `undefined` when
//   the block had none (the native parser's `blockIds` mode), and an `id`
//   containing NUL is ignored silently (no error, unlike 'unknown-field').
// - Only the first chunk's leading "\u00EF\u00BB\u00BF" (a UTF-8 BOM
//   mis-decoded as Latin-1) is stripped; a real U+FEFF in the text is kept
//   as line content. The native parser strips one U+FEFF at stream start,
//   so we hand it one of our own first.
// - A CR at the end of the text fed so far is not yet a line end: it waits
//   for the next chunk that contains a line end (eventsource-parser does not
//   look at buffered text before that), which decides the timing of
//   callbacks and what `reset({ consume: true })` sees.
// - `reset({ consume: true })` interprets the unterminated line as if it
//   were complete, but never dispatches an event (the block is dropped).
// - Errors carry the whole offending `line`. The native parser reports the
//   field and value only, so on that (rare) path the lines fed are split
//   again here to find it.
//
// Extension: feed() also takes a Uint8Array, decoded as TextDecoderStream
// would decode it before eventsource-parser saw the text (UTF-8, one BOM
// stripped, characters split across chunks joined).
//
// Differences that remain:
// - The size limit counts UTF-8 bytes of one line and of one event's data
//   as they arrive, where eventsource-parser counts UTF-16 code units of the
//   text still buffered after each feed(); so a long *complete* line fed in
//   one chunk is over our limit but not over eventsource-parser's. Without
//   `maxBufferSize` eventsource-parser is unbounded and we keep the native
//   default of 16 MiB. Events completed earlier in the chunk that overflows
//   are delivered before the error, as there.
// - Text crosses to Rust as UTF-8, so a lone surrogate in an event's data,
//   event type or id arrives as U+FFFD (error fields keep the original text).
// - A `retry` value beyond 2^64 - 1 saturates at that number.
// - The overflow error's message counts bytes, not characters.
// - A callback that throws ends feed() with its error (as there) and drops
//   the rest of that chunk's items; the parser itself stays consistent.

const { binding } = require('./native')
const { SLOTS, FAILURE_TAG, bufferExceededMessage } = require('./sse')

/** The first chunk's prefix that eventsource-parser strips: U+FEFF's UTF-8 bytes read as Latin-1. */
const LATIN1_BOM = '\u00EF\u00BB\u00BF'
/** Native parsers strip exactly one of these at stream start. */
const BOM = '\uFEFF'
const CR = 13
const LF = 10
const SPACE = 32
const EOL = /\r\n|\r|\n/
const DIGITS = /^\d+$/
const TERMINATED = 'Cannot feed parser: it was terminated after exceeding the configured max buffer size. ' +
  'Call `reset()` to resume parsing.'

/** An error reported to `onError`; the same own properties as eventsource-parser's. */
class ParseError extends Error {
  /**
   * @param {string} message
   * @param {{ type: string, field?: string, value?: string, line?: string }} options
   */
  constructor (message, options) {
    super(message)
    this.name = 'ParseError'
    // 'invalid-retry' | 'unknown-field' | 'max-buffer-size-exceeded'
    this.type = options.type
    this.field = options.field
    this.value = options.value
    this.line = options.line
  }
}

function noop () {}

function hasLineEnd (text) {
  return text.indexOf('\n') !== -1 || text.indexOf('\r') !== -1
}

function isHighSurrogate (code) {
  return code >= 0xd800 && code <= 0xdbff
}

/** Index of the last CR or LF, scanning back only over the unterminated tail. */
function lastLineEnd (text) {
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i)
    if (c === LF || c === CR) return i
  }
  return -1
}

/** Splits a line into field name and value (HTML §9.2.6 "collect … field"). */
function fieldOf (line) {
  const colon = line.indexOf(':')
  if (colon === -1) return { field: line, value: '' }
  const skip = line.charCodeAt(colon + 1) === SPACE ? 2 : 1
  return { field: line.slice(0, colon), value: line.slice(colon + skip) }
}

function unknownField (field, value, line) {
  const shown = field.length > 20 ? `${field.slice(0, 20)}\u2026` : field
  return new ParseError(`Unknown field "${shown}"`, { type: 'unknown-field', field, value, line })
}

function invalidRetry (value, line) {
  return new ParseError(`Invalid \`retry\` value: "${value}"`, { type: 'invalid-retry', value, line })
}

/** The size limit for the native parser: lines and event data, bytes. */
function nativeLimit (maxBufferSize) {
  if (maxBufferSize === undefined) return null
  if (maxBufferSize === Infinity) return Number.MAX_SAFE_INTEGER
  if (typeof maxBufferSize !== 'number' || !(maxBufferSize >= 1)) {
    throw new RangeError("createParser: 'maxBufferSize' must be a number >= 1")
  }
  return Math.floor(maxBufferSize)
}

/**
 * Creates a parser; eventsource-parser v3's `createParser`.
 * @param {{ onEvent?: Function, onRetry?: Function, onComment?: Function,
 *   onError?: Function, maxBufferSize?: number }} config
 * @returns {{ feed(chunk: string | Uint8Array): void, reset(options?: { consume?: boolean }): void }}
 */
function createParser (config) {
  if (typeof config === 'function') {
    // As eventsource-parser v3 does: v2 took a single callback, v3 refuses it loudly.
    throw new TypeError(
      '`config` must be an object, got a function instead. Did you mean `createParser({onEvent: fn})`?'
    )
  }
  // Destructuring throws the TypeError for null and undefined, as theirs does.
  const { onEvent = noop, onError = noop, onRetry = noop, onComment, maxBufferSize } = config
  const limit = nativeLimit(maxBufferSize)
  const native = new binding.NativeSseParser(limit, true)
  // eventsource-parser's "first chunk": the next feed() may strip LATIN1_BOM.
  let first = true
  // Text not given to the native parser yet: a trailing CR, and whatever
  // came after it in chunks without a line end.
  let held = ''
  // The text given to the native parser since its last line end, i.e. its
  // partial line: needed to rebuild error lines and for reset({ consume }).
  let tail = ''
  // Set after a size overflow, until reset().
  let terminated = false
  // A high surrogate that ended the last chunk (see feed).
  let surrogate = ''
  // For Uint8Array chunks: decoded as TextDecoderStream would before
  // eventsource-parser sees them (UTF-8, BOM stripped once, split characters joined).
  let decoder = null

  function feed (chunk) {
    if (terminated) throw new Error(TERMINATED)
    if (typeof chunk !== 'string') {
      if (!(chunk instanceof Uint8Array)) {
        throw new TypeError('feed: chunk must be a string (or, as an extension, a Uint8Array)')
      }
      decoder ??= new TextDecoder()
      chunk = decoder.decode(chunk, { stream: true })
      // TextDecoderStream enqueues no empty strings, so neither do we:
      // an empty one would use up the "first chunk".
      if (chunk === '') return
    }
    let prefix = ''
    if (first) {
      first = false
      if (chunk.startsWith(LATIN1_BOM)) chunk = chunk.slice(LATIN1_BOM.length)
      prefix = BOM
    }
    // A surrogate pair split between chunks must cross to Rust whole, or
    // both halves would become U+FFFD: the high half waits for the next chunk.
    if (surrogate !== '') {
      chunk = surrogate + chunk
      surrogate = ''
    }
    if (isHighSurrogate(chunk.charCodeAt(chunk.length - 1))) {
      surrogate = chunk.slice(-1)
      chunk = chunk.slice(0, -1)
    }
    let text = chunk
    if (held !== '') {
      if (!hasLineEnd(chunk)) {
        // (held is empty on a first chunk, so no prefix is lost here)
        held += chunk
        return
      }
      text = held + chunk
      held = ''
    }
    if (text.charCodeAt(text.length - 1) === CR) {
      held = '\r'
      text = text.slice(0, -1)
    }
    if (prefix === '' && text === '') return
    const before = tail
    const items = native.feedText(prefix + text)
    const linesOf = () => (before + text).split(EOL).slice(0, -1)
    if (items.length >= SLOTS && items[items.length - SLOTS] === FAILURE_TAG) {
      // Over the size limit (the only failure): the events before it are
      // delivered, then eventsource-parser's equivalent, an onError() call
      // after which feed() throws until reset().
      deliver(items.slice(0, -SLOTS), linesOf)
      overflow()
      return
    }
    const end = lastLineEnd(text)
    tail = end === -1 ? tail + text : text.slice(end + 1)
    deliver(items, linesOf)
  }

  function overflow () {
    terminated = true
    held = ''
    tail = ''
    surrogate = ''
    onError(new ParseError(bufferExceededMessage(limit), { type: 'max-buffer-size-exceeded' }))
  }

  /**
   * Calls back for a native batch, in order. `linesOf()` gives the complete
   * lines this batch came from; it is only called when an error needs its line.
   */
  function deliver (items, linesOf) {
    let lines = null
    let next = 0
    for (let i = 0; i < items.length; i += SLOTS) {
      switch (items[i]) {
        case 'e':
          onEvent({ id: items[i + 3] ?? undefined, event: items[i + 1] ?? undefined, data: items[i + 2] })
          break
        case 'r':
          onRetry(parseInt(items[i + 2], 10))
          break
        case 'c':
          if (onComment !== undefined) onComment(items[i + 2])
          break
        case 'n': {
          const kind = items[i + 1]
          if (kind !== 'unknown-field' && kind !== 'invalid-retry') break
          lines ??= linesOf()
          const name = kind === 'unknown-field' ? items[i + 3] : 'retry'
          const value = items[i + 2]
          // Notices come in line order: find the next line that reads as this field.
          let line
          while (next < lines.length && line === undefined) {
            const candidate = lines[next++]
            const parsed = fieldOf(candidate)
            if (parsed.field.toWellFormed() === name && parsed.value.toWellFormed() === value) {
              line = { line: candidate, ...parsed }
            }
          }
          line ??= { line: undefined, field: name, value }
          onError(kind === 'unknown-field'
            ? unknownField(line.field, line.value, line.line)
            : invalidRetry(line.value, line.line))
          break
        }
        // 'invalid-id' has no counterpart (eventsource-parser ignores such an
        // id silently); 'incomplete-event' only comes from finish().
      }
    }
  }

  /**
   * eventsource-parser's reset({ consume: true }) on the pending line: it is
   * read as one line even if it holds a CR, and whatever it adds to the
   * event is dropped with the rest of the block.
   */
  function consumeLine (line) {
    if (line.charCodeAt(0) === 58 /* : */) {
      if (onComment !== undefined) onComment(line.slice(line.charCodeAt(1) === SPACE ? 2 : 1))
      return
    }
    const { field, value } = fieldOf(line)
    if (field === 'data' || field === 'event' || field === 'id') return
    if (field !== 'retry') onError(unknownField(field, value, line))
    else if (DIGITS.test(value)) onRetry(parseInt(value, 10))
    else onError(invalidRetry(value, line))
  }

  function reset (options = {}) {
    const pending = terminated ? '' : tail + held + surrogate
    native.reset(false)
    first = true
    held = ''
    tail = ''
    surrogate = ''
    terminated = false
    decoder = null
    if (options.consume && pending !== '') consumeLine(pending)
  }

  return { feed, reset }
}

/**
 * A TransformStream of strings to events, as eventsource-parser/stream's:
 * `onError` is a callback or 'terminate' (error the stream on any parse
 * error); a size overflow always errors the stream.
 */
class EventSourceParserStream extends TransformStream {
  constructor (options = {}) {
    const { onError, onRetry, onComment, maxBufferSize } = options
    let parser = null
    super({
      start (controller) {
        parser = createParser({
          onEvent (event) { controller.enqueue(event) },
          onError (error) {
            if (typeof onError === 'function') onError(error)
            if (onError === 'terminate' || error.type === 'max-buffer-size-exceeded') controller.error(error)
          },
          onRetry,
          onComment,
          maxBufferSize
        })
      },
      transform (chunk) {
        parser.feed(chunk)
      }
    })
  }
}

module.exports = { createParser, ParseError, EventSourceParserStream }
