// createParser(): the rules eventsource-parser 4.1 added (its README's
// "Event IDs", "Parse errors" and "Limiting buffered memory"), one test per
// rule. Each runs the same chunks through the real eventsource-parser and
// through ours and compares every callback, with a marker after each
// feed() so that timing counts; each also spells out what 4.1 does, which
// 3.x did not (noted per test), so a 3.x reference cannot pass them.
import test from 'ava'
import { createRequire } from 'node:module'
import { createParser as referenceParser, ParseError as ReferenceParseError } from 'eventsource-parser'
import { EventSourceParserStream as ReferenceStream } from 'eventsource-parser/stream'

const require = createRequire(import.meta.url)
const { createParser, ParseError, EventSourceParserStream } = require('../lib/parser.js')

/** Runs `chunks` through a parser made by `create`; returns what it called back, in order. */
function run (create, chunks, { consume, options = {}, comments = true } = {}) {
  const log = []
  const parser = create({
    ...options,
    onEvent: (event) => log.push(['event', event.id, event.event, event.data]),
    onId: (id) => log.push(['id', id]),
    onRetry: (ms) => log.push(['retry', ms]),
    onComment: comments ? (text) => log.push(['comment', text]) : undefined,
    onError: (e) => log.push(['error', e.constructor.name, e.type, e.message, e.field, e.value, e.line])
  })
  chunks.forEach((chunk, i) => {
    try {
      parser.feed(chunk)
      log.push(['fed', i])
    } catch (err) {
      log.push(['threw', i, err.constructor.name, err.message])
    }
  })
  if (consume !== undefined) {
    parser.reset({ consume })
    log.push(['reset', consume])
  }
  return log
}

/** Runs both parsers; asserts the logs are equal and returns ours. */
function same (t, chunks, settings) {
  const ours = run(createParser, chunks, settings)
  t.deepEqual(ours, run(referenceParser, chunks, settings), JSON.stringify(chunks).slice(0, 200))
  return ours
}

const kinds = (log, kind) => log.filter((entry) => entry[0] === kind)

test('the reference eventsource-parser is 4.1 or later (these tests compare against it)', (t) => {
  const { version } = require('eventsource-parser/package.json')
  const [major, minor] = version.split('.').map(Number)
  t.true(major > 4 || (major === 4 && minor >= 1), `eventsource-parser ${version} is installed; the devDependency must be ^4.1`)
})

test('onId reports the id of each block a blank line ends, with or without data, before its event', (t) => {
  const text = 'id: 1\ndata: a\n\nid: 2\n\nid\n\nid: 3\nid: x\0y\n\ndata: no id\n\nid: 4\ndata: b\n'
  const log = same(t, [text], { consume: true })
  t.deepEqual(log.filter(([kind]) => kind === 'id' || kind === 'event'), [
    ['id', '1'], ['event', '1', undefined, 'a'], ['id', '2'], ['id', ''], ['id', '3'], ['event', undefined, undefined, 'no id']
  ])
  // The same at every cut into two chunks, and one character at a time.
  for (let i = 0; i <= text.length; i++) same(t, [text.slice(0, i), text.slice(i)])
  same(t, [...text])
})

test('EventSourceParserStream passes onId through', async (t) => {
  const collect = async (Stream) => {
    const ids = []
    const source = new ReadableStream({
      start (controller) {
        controller.enqueue('id: 7\n\nid: 8\ndata: x\n\n')
        controller.close()
      }
    })
    const events = []
    // Bounded: the source holds one chunk.
    for await (const event of source.pipeThrough(new Stream({ onId: (id) => ids.push(id) }))) events.push(event)
    return { ids, events }
  }
  const ours = await collect(EventSourceParserStream)
  t.deepEqual(ours, await collect(ReferenceStream))
  t.deepEqual(ours.ids, ['7', '8'])
})

test('a decoded U+FEFF at the start is stripped like the raw BOM, once, even as a chunk of its own', (t) => {
  // 3.x kept U+FEFF as line content: an unknown field "\uFEFFdata".
  t.deepEqual(kinds(same(t, ['\uFEFFdata: x\n\n']), 'event'), [['event', undefined, undefined, 'x']])
  t.deepEqual(kinds(same(t, ['', '\uFEFF', 'data: y\n\n']), 'event'), [['event', undefined, undefined, 'y']])
  // What a TextDecoder with ignoreBOM hands over.
  const decoded = new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x64, 0x61, 0x74, 0x61, 0x3a, 0x7a, 0x0a, 0x0a]))
  t.is(decoded.charCodeAt(0), 0xfeff)
  t.deepEqual(kinds(same(t, [decoded]), 'event'), [['event', undefined, undefined, 'z']])
  // Only one: a second U+FEFF is the start of the line.
  const twice = same(t, ['\uFEFF\uFEFFdata: w\n\n'])
  t.deepEqual(kinds(twice, 'error').map((e) => e[4]), ['\uFEFFdata'])
  // reset() makes the next chunk a stream start again.
  t.deepEqual(kinds(same(t, ['data: v\n\n'], { consume: false }).concat(same(t, ['\uFEFFdata: v\n\n'])), 'event').length, 2)
})

test('a U+FEFF anywhere but at the stream start is line content', (t) => {
  const log = same(t, ['data: a\n\n\uFEFFdata: b\n\n'])
  t.deepEqual(kinds(log, 'event'), [['event', undefined, undefined, 'a']])
  t.deepEqual(kinds(log, 'error').map((e) => [e[2], e[4], e[6]]), [['unknown-field', '\uFEFFdata', '\uFEFFdata: b']])
  // After other text in an earlier chunk, also.
  t.is(kinds(same(t, ['da', 'ta: a\n\n', '\uFEFFdata: b\n\n']), 'error').length, 1)
})

test('under maxBufferSize an unterminated unknown field is discarded without buffering', (t) => {
  const options = { maxBufferSize: 32 }
  const chunks = ['data: 1\n\nfoo: ', ...Array(20).fill('0123456789'), '\ndata: 2\n\n']
  // 3.x buffered the line and went over the limit.
  const log = same(t, chunks, { options })
  t.deepEqual(kinds(log, 'event').map((e) => e[3]), ['1', '2'])
  t.deepEqual(kinds(log, 'error'), [])
  // The same field completed within one feed() is reported.
  t.deepEqual(kinds(same(t, ['foo: bar\ndata: 3\n\n'], { options }), 'error').map((e) => e[6]), ['foo: bar'])
})

test('an unterminated line is discarded as soon as its name cannot become a valid field', (t) => {
  // Undecided prefixes ("dat", "data") are kept; "datx" and "data x" are not.
  t.deepEqual(kinds(same(t, ['dat', 'x', ': y\n', 'data: 1\n\n']), 'error'), [])
  t.deepEqual(kinds(same(t, ['data', ' x', '\n', 'data: 1\n\n']), 'error'), [])
  // Completed by the next feed() while undecided, the line is interpreted.
  t.deepEqual(kinds(same(t, ['dat', 'x: y\ndata: 1\n\n']), 'error').map((e) => e[6]), ['datx: y'])
  t.deepEqual(kinds(same(t, ['dat', 'a: 1\n\n']), 'event').map((e) => e[3]), ['1'])
  // A discarded line ends at its line end, a CRLF split between chunks included.
  const crlf = same(t, ['bogus', '\r', '\n', 'data: 2\n\n'])
  t.deepEqual(crlf.filter(([kind]) => kind !== 'fed'), [['event', undefined, undefined, '2']])
  // With a small limit, a long invalid line costs nothing.
  const long = same(t, ['{"error":', ...Array(50).fill('"quota exceeded" '), '}\ndata: 3\n\n'], { options: { maxBufferSize: 16 } })
  t.deepEqual(long.filter(([kind]) => kind !== 'fed'), [['event', undefined, undefined, '3']])
})

test('an unterminated comment is discarded without buffering when there is no onComment', (t) => {
  const chunks = [': ', ...Array(20).fill('keep-alive '), '\ndata: 1\n\n']
  const options = { maxBufferSize: 32 }
  const quiet = same(t, chunks, { options, comments: false })
  t.deepEqual(quiet.filter(([kind]) => kind !== 'fed'), [['event', undefined, undefined, '1']])
  // With onComment the comment is buffered, and so counts against the limit.
  const heard = same(t, chunks, { options })
  t.deepEqual(kinds(heard, 'error').map((e) => e[2]), ['max-buffer-size-exceeded'])
})

test('after an overflow feed() throws until reset(), and reset({ consume: true }) then consumes nothing', (t) => {
  const chunks = ['data: 1\n\ndata: 0123456789', '0123456789', 'abcdef', '\n\n']
  const log = same(t, chunks, { options: { maxBufferSize: 16 }, consume: true })
  t.deepEqual(log.filter(([kind]) => kind !== 'fed'), [
    ['event', undefined, undefined, '1'],
    ['error', 'ParseError', 'max-buffer-size-exceeded', 'Buffered data exceeded max buffer size of 16 characters', undefined, undefined, undefined],
    ...[2, 3].map((i) => ['threw', i, 'Error', 'Cannot feed parser: it was terminated after exceeding the configured max buffer size. Call `reset()` to resume parsing.']),
    ['reset', true]
  ])
  // reset() revives the parser.
  const parser = createParser({ maxBufferSize: 4, onEvent: (e) => t.is(e.data, 'ok') })
  parser.feed('data: too long')
  t.throws(() => parser.feed('\n'), { message: /terminated/ })
  parser.reset()
  t.notThrows(() => parser.feed('data:ok\n\n'))
})

test('a line discarded as invalid before reset({ consume: true }) reports no onError', (t) => {
  // 3.x reported it as an unknown field.
  const discarded = same(t, ['data: x\nnot-sse {"error": "quota"}'], { consume: true })
  t.deepEqual(kinds(discarded, 'error'), [])
  // A line still pending is consumed: an undecided name, an invalid retry.
  const undecided = same(t, ['data: x\ndat'], { consume: true })
  t.deepEqual(kinds(undecided, 'error').map((e) => [e[2], e[4], e[6]]), [['unknown-field', 'dat', 'dat']])
  const retry = same(t, ['retry: 1', 'x'], { consume: true })
  t.deepEqual(kinds(retry, 'error').map((e) => [e[2], e[5], e[6]]), [['invalid-retry', '1x', 'retry: 1x']])
})

test("ParseError and its types match eventsource-parser 4.1's", (t) => {
  const record = (e) => ({ keys: Object.keys(e), name: e.name, message: e.message, type: e.type, field: e.field, value: e.value, line: e.line })
  for (const options of [
    { type: 'unknown-field', field: 'f', value: 'v', line: 'f: v' },
    { type: 'invalid-retry', value: 'x', line: 'retry: x' },
    { type: 'max-buffer-size-exceeded' }
  ]) {
    const ours = new ParseError('m', options)
    t.true(ours instanceof Error)
    t.deepEqual(record(ours), record(new ReferenceParseError('m', options)))
  }
  // Every type, as both parsers raise it.
  const log = same(t, ['foo: 1\nretry: x\n', 'data: 0123456789abcdef'], { options: { maxBufferSize: 8 } })
  t.deepEqual(kinds(log, 'error').map((e) => e[2]), ['unknown-field', 'invalid-retry', 'max-buffer-size-exceeded'])
})

test('random SSE-like inputs cut at random points give the same callbacks as eventsource-parser', (t) => {
  // Pieces that meet at the rules' edges: field-name prefixes, CR runs,
  // BOMs, NUL, non-ASCII. Seeded (an LCG), so a failure can be replayed.
  const pieces = ['data', 'data:', 'event:', 'id', 'id:', 'retry:', 'dat', 'ev', 'r', ':', ' ', 'x', 'foo', '42',
    '\r', '\n', '\r\n', '\n\n', '\r\r\r', '\uFEFF', '\u00EF\u00BB\u00BF', '\u00EF', '\0', 'é', '😀', 'hello world']
  let state = 41
  const next = (n) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return Math.floor((state / 0x80000000) * n)
  }
  for (let round = 0; round < 3000; round++) {
    let text = ''
    for (let i = next(30); i > 0; i--) text += pieces[next(pieces.length)]
    const chunks = []
    for (let i = 0; i < text.length;) {
      const n = next(8)
      chunks.push(text.slice(i, i + n))
      i += n
    }
    const settings = { consume: [undefined, false, true][next(3)], comments: next(2) === 1 }
    const ours = run(createParser, chunks, settings)
    const theirs = run(referenceParser, chunks, settings)
    // One assertion per round would make a failure report unreadable.
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
      t.deepEqual({ chunks, settings, log: ours }, { chunks, settings, log: theirs }, `round ${round}`)
      return
    }
  }
  t.pass()
})
