'use strict'
// createParser(): eventsource-parser 4.1's API (`createParser({ onEvent,
// onId, onRetry, onComment, onError, maxBufferSize })` → `{ feed, reset }`,
// `ParseError`, `EventSourceParserStream`) over the Rust parser, so that
// code written for eventsource-parser keeps working and gets the native
// line splitter.
//
// The Rust parser follows HTML §9.2.6 exactly; eventsource-parser 4.1 has
// a few observable habits of its own (its README and `ParserCallbacks`
// docs describe them). Compatibility is the point of this module, so the JS
// here reproduces them around the native parser:
//
// - Events carry the `id` and `event` of their own block, `undefined` when
//   the block had none (the native parser's `blockIds` mode), and an `id`
//   containing NUL is ignored silently (no error, unlike 'unknown-field').
// - `onId(id)` runs when a blank line ends a block with a valid `id` field,
//   with or without data, before that block's `onEvent`.
// - One leading BOM is stripped, as U+FEFF or as its UTF-8 bytes read as
//   Latin-1 ("\u00EF\u00BB\u00BF"), even when split across chunks; a
//   U+FEFF anywhere else is line content. The native parser strips one
//   U+FEFF at stream start, so we hand it one of our own first.
// - An unterminated line left at the end of a feed() is kept only while it
//   can still become a valid field (`data`, `event`, `id`, `retry`) or a
//   comment that `onComment` wants. Otherwise it is discarded up to its line
//   end without being buffered, and reports nothing, not even on
//   `reset({ consume: true })`. A line completed within one feed() is always
//   interpreted (an unknown field reports 'unknown-field'). So the cut
//   between chunks decides, as there.
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
//   as they arrive, where eventsource-parser counts UTF-16 code units of
//   the pending line plus the event's data, after each line and feed(); so
//   a long *complete* line fed in one chunk can be over our limit but not
//   over eventsource-parser's, and the few characters of a line that may
//   still become a field name count only there. Without `maxBufferSize`
//   eventsource-parser is unbounded and we keep the native default of
//   16 MiB. Events completed earlier in the chunk that overflows are
//   delivered before the error, as there.
// - Text crosses to Rust as UTF-8, so a lone surrogate in an event's data,
//   event type or id arrives as U+FFFD (error fields keep the original text).
// - A `retry` value beyond 2^64 - 1 saturates at that number.
// - A callback that throws ends feed() with its error (as there) and drops
//   the rest of that chunk's items; the parser itself stays consistent.

const { binding } = require('./native')
const { DEFAULT_MAX_SIZE } = require('./sse')
const { decodeBatch, EMPTY_ID } = require('./sse-batch')
const { brandClass } = require('./brand')

/** A first chunk that may still be the start of a raw BOM waits for more. */
const BOM_STARTS = new Set(['', '\u00EF', '\u00EF\u00BB'])
/** One leading BOM, decoded or raw. */
const LEADING_BOM = /^(?:\uFEFF|\u00EF\u00BB\u00BF)/
/** Native parsers strip exactly one of these at stream start. */
const BOM = '\uFEFF'
const CR = 13
const LF = 10
const SPACE = 32
const COLON = 58
const EOL = /\r\n|\r|\n/
const DIGITS = /^\d+$/
/** The only field names a line may start with and still be buffered. */
const FIELDS = ['data', 'event', 'id', 'retry']
const TERMINATED = 'Cannot feed parser: it was terminated after exceeding the configured max buffer size. ' +
  'Call `reset()` to resume parsing.'

/** How an unterminated line may continue; see `classify`. */
const VALID = 0
const UNDECIDED = 1
const INVALID = 2

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
brandClass(ParseError, 'ferrofetch.ParseError')

function noop () {}

function isHighSurrogate (code) {
  return code >= 0xd800 && code <= 0xdbff
}

/** Index of the first CR or LF, or -1. */
function firstLineEnd (text) {
  const cr = text.indexOf('\r')
  const lf = text.indexOf('\n')
  return cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf)
}

/** Index of the last CR or LF, scanning back only over the unterminated tail. */
function lastLineEnd (text) {
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i)
    if (c === LF || c === CR) return i
  }
  return -1
}

/**
 * Whether the start of an unterminated line can still become a field worth
 * buffering: VALID once it is `name:` for a known field (or a comment that
 * someone listens to), UNDECIDED while it is a prefix of such a name (it may
 * still end as `data` or go on as `datum`), INVALID otherwise.
 */
function classify (line, wantsComments) {
  if (line.charCodeAt(0) === COLON) return wantsComments ? VALID : INVALID
  for (const name of FIELDS) {
    if (line.length <= name.length) {
      if (name.startsWith(line)) return UNDECIDED
    } else if (line.startsWith(name) && line.charCodeAt(name.length) === COLON) {
      return VALID
    }
  }
  return INVALID
}

/**
 * `text` with its final run of CRs turned into LFs. The native parser would
 * wait for a LF that may follow a final CR, but what follows is decided by
 * feed() (the next chunk, with `skipLineFeed`, or a line held back or
 * discarded). The CRs before the last are line ends of their own, so they
 * change too: left alone, the one before the new LF would pair with it.
 */
function endWithLineFeeds (text) {
  let start = text.length
  while (start > 0 && text.charCodeAt(start - 1) === CR) start--
  return text.slice(0, start) + '\n'.repeat(text.length - start)
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
 * Creates a parser; eventsource-parser 4.1's `createParser`.
 * @param {{ onEvent?: Function, onId?: Function, onRetry?: Function, onComment?: Function,
 *   onError?: Function, maxBufferSize?: number }} config
 * @returns {{ feed(chunk: string | Uint8Array): void, reset(options?: { consume?: boolean }): void }}
 */
function createParser (config) {
  if (typeof config === 'function') {
    // As eventsource-parser does since v3: v2 took a single callback.
    throw new TypeError(
      '`config` must be an object, got a function instead. Did you mean `createParser({onEvent: fn})`?'
    )
  }
  // Destructuring throws the TypeError for null and undefined, as theirs
  // does. A callback given as null is absent, as there.
  const { maxBufferSize } = config
  const onEvent = config.onEvent ?? noop
  const onId = config.onId ?? noop
  const onError = config.onError ?? noop
  const onRetry = config.onRetry ?? noop
  const onComment = config.onComment || null
  const limit = nativeLimit(maxBufferSize)
  const native = new binding.NativeSseParser(limit, true)
  // The stream start so far while it may still be a BOM; undefined once
  // that is decided. Empty chunks do not decide it.
  let bomPrefix = ''
  // The next text given to the native parser is its stream start, and gets
  // a BOM of ours for it to strip.
  let nativeFresh = true
  // The start of a new line that may still become a field name (at most
  // 5 characters), not given to the native parser yet.
  let held = ''
  // The text given to the native parser since its last line end, i.e. its
  // partial line: needed to rebuild error lines and for reset({ consume }).
  let tail = ''
  // A high surrogate that ended the last chunk (see feed).
  let surrogate = ''
  // The current line is being discarded up to its line end.
  let skipping = false
  // The last chunk ended with a CR: a LF starting the next one completes
  // that CRLF. (The native parser never sees such a CR, so never has to.)
  let skipLineFeed = false
  // Set after a size overflow, until reset().
  let terminated = false
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
    }
    if (bomPrefix !== undefined) {
      // HTML §9.2.6: one leading BOM is stripped. It may come decoded
      // (U+FEFF, e.g. from a TextDecoder with ignoreBOM) or as raw bytes
      // read as Latin-1, possibly split over chunks.
      chunk = bomPrefix + chunk
      if (BOM_STARTS.has(chunk)) {
        bomPrefix = chunk
        return
      }
      bomPrefix = undefined
      chunk = chunk.replace(LEADING_BOM, '')
    }
    if (chunk === '') return
    if (skipLineFeed) {
      skipLineFeed = false
      if (chunk.charCodeAt(0) === LF) chunk = chunk.slice(1)
      if (chunk === '') return
    }
    if (skipping) {
      chunk = skipDiscardedLine(chunk)
      if (chunk === '') return
    }
    // A surrogate pair split between chunks must cross to Rust whole, or
    // both halves would become U+FFFD: the high half waits for the next chunk.
    let text = held + surrogate + chunk
    held = ''
    surrogate = ''
    const end = lastLineEnd(text)
    if (end === text.length - 1) {
      // A CR last: the line is complete now; only whether a LF follows is
      // open, and that is decided here (see below).
      skipLineFeed = text.charCodeAt(end) === CR
    } else if (end !== -1 || tail === '') {
      // A new line is left unterminated: buffer it only while it can still
      // become a field (eventsource-parser 4.1's bounded buffering).
      const kind = classify(text.slice(end + 1), onComment !== null)
      if (kind !== VALID) {
        if (kind === UNDECIDED) held = text.slice(end + 1)
        else skipping = true
        text = text.slice(0, end + 1)
      }
    }
    if (isHighSurrogate(text.charCodeAt(text.length - 1))) {
      surrogate = text.slice(-1)
      text = text.slice(0, -1)
    }
    if (text === '') return
    if (text.charCodeAt(text.length - 1) === CR) text = endWithLineFeeds(text)
    const batch = native.feedText(nativeFresh ? BOM + text : text)
    nativeFresh = false
    sink.fed = tail + text
    sink.lines = null
    sink.next = 0
    const last = lastLineEnd(text)
    tail = last === -1 ? tail + text : text.slice(last + 1)
    decodeBatch(batch, sink)
    // Not kept alive until the next feed().
    sink.fed = ''
    sink.lines = null
  }

  /** Drops the discarded line's rest and its line end; returns what follows. */
  function skipDiscardedLine (chunk) {
    const end = firstLineEnd(chunk)
    if (end === -1) return ''
    skipping = false
    if (chunk.charCodeAt(end) === CR) {
      if (end === chunk.length - 1) {
        skipLineFeed = true
        return ''
      }
      if (chunk.charCodeAt(end + 1) === LF) return chunk.slice(end + 2)
    }
    return chunk.slice(end + 1)
  }

  function overflow () {
    terminated = true
    held = ''
    tail = ''
    surrogate = ''
    skipping = false
    skipLineFeed = false
    // eventsource-parser's message, which code matches on; our count is
    // UTF-8 bytes (the same for ASCII).
    const message = limit === null
      ? `Buffered data exceeded max buffer size of ${DEFAULT_MAX_SIZE} bytes`
      : `Buffered data exceeded max buffer size of ${maxBufferSize} characters`
    onError(new ParseError(message, { type: 'max-buffer-size-exceeded' }))
  }

  /**
   * Calls back for the items of a native batch, in order (see
   * lib/sse-batch.js). `fed` is the text the batch came from, with the
   * partial line before it; its lines are split only when an error needs
   * its line.
   */
  const sink = {
    fed: '',
    lines: null,
    next: 0,
    event (type, data, id) {
      onEvent({
        id: id === '' ? undefined : id === EMPTY_ID ? '' : id,
        event: type === '' ? undefined : type,
        data
      })
    },
    id (id) {
      onId(id)
    },
    retry (digits) {
      onRetry(parseInt(digits, 10))
    },
    comment (text) {
      if (onComment !== null) onComment(text)
    },
    notice (kind, value, field) {
      // 'invalid-id' has no counterpart (eventsource-parser ignores such an
      // id silently); 'incomplete-event' only comes from finish().
      if (kind !== 'unknown-field' && kind !== 'invalid-retry') return
      this.lines ??= this.fed.split(EOL).slice(0, -1)
      const lines = this.lines
      const name = kind === 'unknown-field' ? field : 'retry'
      // Notices come in line order: find the next line that reads as this field.
      let line
      while (this.next < lines.length && line === undefined) {
        const candidate = lines[this.next++]
        const parsed = fieldOf(candidate)
        if (parsed.field.toWellFormed() === name && parsed.value.toWellFormed() === value) {
          line = { line: candidate, ...parsed }
        }
      }
      line ??= { line: undefined, field: name, value }
      onError(kind === 'unknown-field'
        ? unknownField(line.field, line.value, line.line)
        : invalidRetry(line.value, line.line))
    },
    // Over the size limit (the only failure), after the items before it:
    // eventsource-parser's equivalent, an onError() call after which
    // feed() throws until reset().
    tooLarge () {
      overflow()
    },
    // Only bodies end or fail in a batch; a parser is fed.
    end () {},
    failed () {}
  }

  /**
   * eventsource-parser's reset({ consume: true }) on the pending line: it is
   * read as a complete line, and whatever it adds to the event is dropped
   * with the rest of the block.
   */
  function consumeLine (line) {
    if (line.charCodeAt(0) === COLON) {
      if (onComment !== null) onComment(line.slice(line.charCodeAt(1) === SPACE ? 2 : 1))
      return
    }
    const { field, value } = fieldOf(line)
    if (field === 'data' || field === 'event' || field === 'id') return
    if (field !== 'retry') onError(unknownField(field, value, line))
    else if (DIGITS.test(value)) onRetry(parseInt(value, 10))
    else onError(invalidRetry(value, line))
  }

  function reset (options = {}) {
    // A line already discarded as invalid, or lost to an overflow, is not
    // consumed: it reports nothing.
    const pending = terminated || skipping ? '' : tail + surrogate + held
    // Consumed before the state is cleared, as there.
    if (options.consume && pending !== '') consumeLine(pending)
    native.reset(false)
    bomPrefix = ''
    nativeFresh = true
    held = ''
    tail = ''
    surrogate = ''
    skipping = false
    skipLineFeed = false
    terminated = false
    decoder = null
  }

  return { feed, reset }
}

/**
 * A TransformStream of strings to events, as eventsource-parser 4.1's
 * `eventsource-parser/stream`:
 * `onError` is a callback or 'terminate' (error the stream on any parse
 * error); a size overflow always errors the stream.
 */
class EventSourceParserStream extends TransformStream {
  constructor (options = {}) {
    const { onError, onId, onRetry, onComment, maxBufferSize } = options
    let parser = null
    super({
      start (controller) {
        parser = createParser({
          onEvent (event) { controller.enqueue(event) },
          onError (error) {
            if (typeof onError === 'function') onError(error)
            if (onError === 'terminate' || error.type === 'max-buffer-size-exceeded') controller.error(error)
          },
          onId,
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
