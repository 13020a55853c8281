// createParser(): a drop-in for eventsource-parser 4.1 over the Rust parser
// (the devDependency must be 4.1 or later: see create-parser-41.spec.mjs).
// Most tests are differential: the same input, cut into chunks at several
// (seeded) random sizes, goes through the real eventsource-parser and
// through ours, and the callback sequences — with a marker after each
// feed(), so the timing of callbacks counts too — must be identical.
import test from 'ava'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import { createParser as referenceParser, ParseError as ReferenceParseError } from 'eventsource-parser'
import { EventSourceParserStream as ReferenceStream } from 'eventsource-parser/stream'

const require = createRequire(import.meta.url)
const { createParser, ParseError, EventSourceParserStream } = require('../lib/parser.js')

const fixture = (name) => fs.readFileSync(new URL(`../crates/sse/fixtures/${name}`, import.meta.url))
const FIXTURES = ['ids_events_multiline.sse', 'llm_chat.sse', 'llm_messages.sse']

/** A small deterministic PRNG (LCG), so a failure can be replayed. */
function random (seed) {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state / 0x7fffffff
  }
}

/** `text` cut into pieces of 1..max code units. */
function cut (text, max, rnd) {
  const pieces = []
  for (let i = 0; i < text.length;) {
    const n = 1 + Math.floor(rnd() * max)
    pieces.push(text.slice(i, i + n))
    i += n
  }
  return pieces
}

/** Several chunkings of `text`: whole, fixed small sizes, random sizes. */
function chunkings (text, seed = 1) {
  const rnd = random(seed)
  const out = [[text], ['', text]]
  for (const max of [1, 2, 3, 7, 64]) {
    for (let rep = 0; rep < 3; rep++) out.push(cut(text, max, rnd))
  }
  return out
}

function errorRecord (error) {
  return {
    class: error.constructor.name,
    keys: Object.keys(error),
    name: error.name,
    message: error.message,
    type: error.type,
    field: error.field,
    value: error.value,
    line: error.line
  }
}

/** Runs `chunks` through a parser made by `create`; returns what it called back, in order. */
function run (create, chunks, { consume, options = {} } = {}) {
  const log = []
  const parser = create({
    ...options,
    onEvent: (event) => log.push(['event', Object.keys(event), event]),
    onId: (id) => log.push(['id', id]),
    onRetry: (ms) => log.push(['retry', ms]),
    onComment: (text) => log.push(['comment', text]),
    onError: (error) => log.push(['error', errorRecord(error)])
  })
  chunks.forEach((chunk, i) => {
    parser.feed(chunk)
    log.push(['fed', i])
  })
  if (consume !== undefined) {
    parser.reset({ consume })
    log.push(['reset', consume])
  }
  return log
}

/**
 * Asserts that two logs are equal. Logs of whole fixtures are long and a
 * structural comparison of them is slow, so they are compared as JSON (keys
 * are recorded, so undefined members still count); on a mismatch the first
 * differing entry is shown.
 */
function sameLog (t, actual, expected, message) {
  const a = JSON.stringify(actual)
  const b = JSON.stringify(expected)
  if (a === b) return t.pass()
  const i = actual.findIndex((entry, k) => JSON.stringify(entry) !== JSON.stringify(expected[k]))
  t.deepEqual({ at: i, entry: actual[i] }, { at: i, entry: expected[i] }, message)
}

/** Asserts identical callback sequences for every chunking and reset mode. */
function assertSameAsReference (t, text, what, seed = 1) {
  for (const chunks of chunkings(text, seed)) {
    for (const consume of [undefined, false, true]) {
      const expected = run(referenceParser, chunks, { consume })
      const actual = run(createParser, chunks, { consume })
      sameLog(t, actual, expected, `${what}: chunks ${JSON.stringify(chunks).slice(0, 200)} consume=${consume}`)
    }
  }
}

test('each fixture gives the same callbacks as eventsource-parser at random chunk sizes', (t) => {
  for (const name of FIXTURES) {
    const text = fixture(name).toString('utf8')
    const events = run(createParser, [text]).filter(([kind]) => kind === 'event')
    t.true(events.length > 0, name)
    assertSameAsReference(t, text, name)
  }
})

test('fixtures decoded as TextDecoder does (BOM stripped) match eventsource-parser', (t) => {
  for (const name of FIXTURES) {
    assertSameAsReference(t, new TextDecoder().decode(fixture(name)), name, 7)
  }
})

test('CR, LF and CRLF line ends cut at every position match eventsource-parser', (t) => {
  const text = 'data:a\r\n\r\ndata:b\r\r\ndata:c\n\r\n\rid: 1\r\rdata: d\n\n: x\r\r'
  for (let i = 0; i <= text.length; i++) {
    for (const consume of [undefined, true]) {
      const chunks = [text.slice(0, i), text.slice(i)]
      sameLog(t, run(createParser, chunks, { consume }), run(referenceParser, chunks, { consume }), `cut at ${i}`)
    }
  }
  assertSameAsReference(t, text, 'line ends')
})

test('a CR that ends a chunk ends its line at once, and a LF starting the next chunk completes the CRLF, as in eventsource-parser', (t) => {
  const chunks = [': first\r', '\ndata', ': x\r', '\r', '\n']
  const log = run(createParser, chunks)
  // The comment is reported on the first feed, the event on the fourth;
  // the LFs after a chunk-ending CR are no blank lines.
  t.deepEqual(log.map(([kind]) => kind), ['comment', 'fed', 'fed', 'fed', 'event', 'fed', 'fed'])
  t.deepEqual(log, run(referenceParser, chunks))
})

test('a mis-decoded BOM is stripped once at the start, also split across chunks, as in eventsource-parser', (t) => {
  const cases = {
    'Latin-1 BOM twice': '\u00EF\u00BB\u00BF\u00EF\u00BB\u00BFdata: y\n\n',
    'Latin-1 BOM then U+FEFF': '\u00EF\u00BB\u00BF\uFEFFdata: y\n\n',
    'half a Latin-1 BOM': '\u00EF\u00BBdata: y\n\n'
  }
  for (const [what, text] of Object.entries(cases)) assertSameAsReference(t, text, what)
  const split = ['\u00EF', '', '\u00BB', '\u00BFdata: z\n\n']
  const log = run(createParser, split)
  t.deepEqual(log, run(referenceParser, split))
  t.deepEqual(log.filter(([kind]) => kind === 'event').map(([, , e]) => e.data), ['z'])
  // reset() makes the next chunk a stream start again.
  const parser = createParser({ onEvent: (e) => t.is(e.data, 'w') })
  parser.feed('x')
  parser.reset()
  parser.feed('\u00EF\u00BB\u00BFdata: w\n\n')
})

test('comments, unknown fields and invalid retry values report the same ParseErrors as eventsource-parser', (t) => {
  const text = [
    ': a comment', ':', ':  two spaces', 'foo', 'foo:', 'foo: bar', 'foo:bar',
    'a-field-name-longer-than-twenty-characters: v',
    'retry', 'retry:', 'retry: 1x', 'retry: -1', 'retry: 1.5', 'retry:  5', 'retry: 0042', 'retry:7',
    'Data: x', 'data', '', ''
  ].join('\n')
  assertSameAsReference(t, text, 'fields')
  const errors = run(createParser, [text]).filter(([kind]) => kind === 'error').map(([, e]) => e)
  t.true(errors.length >= 10)
  t.deepEqual(errors.find((e) => e.line === 'foo:bar'), {
    class: 'ParseError',
    keys: ['name', 'type', 'field', 'value', 'line'],
    name: 'ParseError',
    message: 'Unknown field "foo"',
    type: 'unknown-field',
    field: 'foo',
    value: 'bar',
    line: 'foo:bar'
  })
  t.like(errors.find((e) => e.line === 'retry: 1x'), { type: 'invalid-retry', value: '1x', field: undefined })
})

test('an id containing NUL is ignored without an error, as in eventsource-parser', (t) => {
  const text = 'id: a\0b\ndata: x\n\nid: 1\nid: \0\ndata: y\n\nid\ndata: z\n\n'
  assertSameAsReference(t, text, 'NUL ids')
  const events = run(createParser, [text]).filter(([kind]) => kind === 'event').map(([, , e]) => e)
  t.deepEqual(events, [
    { id: undefined, event: undefined, data: 'x' },
    { id: '1', event: undefined, data: 'y' },
    { id: '', event: undefined, data: 'z' }
  ])
})

test("events carry their own block's id and event type, undefined when the block has none", (t) => {
  const events = []
  const parser = createParser({ onEvent: (e) => events.push(e) })
  parser.feed('id: 7\nevent: a\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n')
  t.deepEqual(events, [
    { id: '7', event: 'a', data: '1' },
    { id: undefined, event: undefined, data: '2' },
    { id: undefined, event: undefined, data: '3' }
  ])
  t.deepEqual(Object.keys(events[1]), ['id', 'event', 'data'])
})

test('empty data, multi-line data and blank lines dispatch as in eventsource-parser', (t) => {
  const text = '\n\n\r\r\r\ndata\n\ndata:\n\ndata:\ndata:\n\ndata: a\ndata:  b\ndata\n\nevent: e\n\ndata: c\n\n'
  assertSameAsReference(t, text, 'data')
  const datas = run(createParser, [text]).filter(([kind]) => kind === 'event').map(([, , e]) => e.data)
  t.deepEqual(datas, ['', '', '\n', 'a\n b\n', 'c'])
})

test('reset({ consume: true }) reads the unterminated line but dispatches no event, as in eventsource-parser', (t) => {
  const cases = [
    'data: never dispatched',
    'id: 1\ndata: x\nretry: 250',
    'data: x\n: trailing comment',
    'data: x\nnot-sse {"error": "quota"}',
    'data: x\nretry: 12\r',
    'data: x\n\r',
    'data: x\rabc',
    ': comment\r',
    'event: e\ndata: held\r'
  ]
  for (const text of cases) assertSameAsReference(t, text, JSON.stringify(text))
  const log = run(createParser, ['id: 1\ndata: x\nretry: 250'], { consume: true })
  t.deepEqual(log, [['fed', 0], ['retry', 250], ['reset', true]])
})

test('reset() drops a partial event, and the parser starts over', (t) => {
  const events = []
  const parser = createParser({ onEvent: (e) => events.push(e) })
  parser.feed('id: 1\ndata: lost')
  parser.reset()
  parser.feed('\n\ndata: kept\n\n')
  t.deepEqual(events, [{ id: undefined, event: undefined, data: 'kept' }])
})

test('a function instead of callbacks is a TypeError, as in eventsource-parser', (t) => {
  const expected = t.throws(() => referenceParser(() => {}), { instanceOf: TypeError })
  t.throws(() => createParser(() => {}), { instanceOf: TypeError, message: expected.message })
  t.throws(() => createParser(), { instanceOf: TypeError })
  t.throws(() => createParser(null), { instanceOf: TypeError })
  t.notThrows(() => createParser({}).feed('data: nobody listens\n\n'))
})

test("ParseError has eventsource-parser's shape", (t) => {
  const options = { type: 'unknown-field', field: 'f', value: 'v', line: 'f: v' }
  const ours = new ParseError('m', options)
  const theirs = new ReferenceParseError('m', options)
  t.true(ours instanceof Error)
  t.deepEqual(Object.keys(ours), Object.keys(theirs))
  t.deepEqual({ ...ours }, { ...theirs })
  t.is(ours.name, theirs.name)
  t.is(ours.message, theirs.message)
  const bare = new ParseError('m', { type: 'invalid-retry' })
  t.deepEqual(Object.keys(bare), Object.keys(new ReferenceParseError('m', { type: 'invalid-retry' })))
})

test('going over maxBufferSize reports max-buffer-size-exceeded and feed() throws until reset(), as in eventsource-parser', (t) => {
  const feedAll = (create) => {
    const log = []
    const parser = create({
      maxBufferSize: 10,
      onEvent: (e) => log.push(['event', e.data]),
      onError: (e) => log.push(['error', e.constructor.name, e.type])
    })
    for (const chunk of ['data: 1\n\n', 'data: 12', '345']) parser.feed(chunk)
    const thrown = (() => {
      try {
        parser.feed('\n\n')
      } catch (err) {
        return [err.constructor.name, err.message]
      }
    })()
    log.push(['threw', ...(thrown ?? ['nothing'])])
    parser.reset()
    parser.feed('data: ok\n\n')
    return log
  }
  const log = feedAll(createParser)
  t.deepEqual(log, feedAll(referenceParser))
  t.deepEqual(log.slice(0, 2), [['event', '1'], ['error', 'ParseError', 'max-buffer-size-exceeded']])
})

test('events before an over-limit line in the same chunk are delivered first, as in eventsource-parser', (t) => {
  const feedOnce = (create) => {
    const log = []
    const parser = create({
      maxBufferSize: 16,
      onEvent: (e) => log.push(['event', e.data]),
      onError: (e) => log.push(['error', e.type])
    })
    // The long line is unfinished, so over both parsers' limits.
    parser.feed('data: 1\n\ndata: 2\n\ndata: 0123456789abcdef0123')
    return log
  }
  const log = feedOnce(createParser)
  t.deepEqual(log, [['event', '1'], ['event', '2'], ['error', 'max-buffer-size-exceeded']])
  t.deepEqual(log, feedOnce(referenceParser))
})

test('without maxBufferSize a line over the 16 MiB default is max-buffer-size-exceeded (eventsource-parser has no limit)', (t) => {
  const errors = []
  const parser = createParser({ onError: (e) => errors.push(e.type) })
  const piece = 'x'.repeat(1 << 20)
  parser.feed('data: ')
  for (let i = 0; i < 17 && errors.length === 0; i++) parser.feed(piece)
  t.deepEqual(errors, ['max-buffer-size-exceeded'])
  t.throws(() => parser.feed('\n'), { message: /terminated/ })
})

test('Uint8Array chunks parse as TextDecoder followed by eventsource-parser, with characters split anywhere', (t) => {
  for (const name of ['ids_events_multiline.sse', 'llm_chat.sse']) {
    const bytes = fixture(name)
    for (const size of [1, 2, 3, 5, 4096]) {
      const expected = []
      const reference = referenceParser({ onEvent: (e) => expected.push(e), onComment: (c) => expected.push(c) })
      const decoder = new TextDecoder()
      const actual = []
      const parser = createParser({ onEvent: (e) => actual.push(e), onComment: (c) => actual.push(c) })
      for (let i = 0; i < bytes.length; i += size) {
        const text = decoder.decode(bytes.subarray(i, i + size), { stream: true })
        if (text !== '') reference.feed(text)
        parser.feed(new Uint8Array(bytes.subarray(i, i + size)))
      }
      t.true(expected.length > 0)
      t.deepEqual(actual, expected, `${name} in ${size}-byte chunks`)
    }
  }
  t.throws(() => createParser({}).feed(42), { instanceOf: TypeError })
})

test('surrogate pairs split between string chunks arrive whole', (t) => {
  const text = 'data: 😀😀 🚀\nx😀: 😀\n\nevent: 🚀\ndata: é\n\n'
  assertSameAsReference(t, text, 'astral characters')
  const events = []
  const parser = createParser({ onEvent: (e) => events.push(e.data) })
  // One UTF-16 code unit per feed: every pair is split.
  for (let i = 0; i < text.length; i++) parser.feed(text[i])
  t.deepEqual(events, ['😀😀 🚀', 'é'])
})

test('a lone surrogate in data arrives as U+FFFD (a documented difference from eventsource-parser)', (t) => {
  const events = []
  createParser({ onEvent: (e) => events.push(e.data) }).feed('data: \uD800x\n\n')
  t.deepEqual(events, ['\uFFFDx'])
})

test('EventSourceParserStream gives the same events as eventsource-parser/stream', async (t) => {
  const text = fixture('llm_messages.sse').toString('utf8')
  const collect = async (Stream, options) => {
    const chunks = cut(text, 50, random(3))
    const source = new ReadableStream({
      pull (controller) {
        if (chunks.length === 0) controller.close()
        else controller.enqueue(chunks.shift())
      }
    })
    const out = []
    for await (const event of source.pipeThrough(new Stream(options))) out.push(event)
    return out
  }
  const expected = await collect(ReferenceStream)
  t.true(expected.length > 10)
  t.deepEqual(await collect(EventSourceParserStream), expected)
})

test("EventSourceParserStream with onError: 'terminate' errors the stream on a parse error", async (t) => {
  const source = new ReadableStream({
    start (controller) {
      controller.enqueue('data: a\n\nbogus: field\ndata: b\n\n')
      controller.close()
    }
  })
  const error = await t.throwsAsync(async () => {
    // Bounded: the source holds one chunk.
    for await (const event of source.pipeThrough(new EventSourceParserStream({ onError: 'terminate' }))) t.is(event.data, 'a')
  }, { instanceOf: ParseError })
  t.is(error.type, 'unknown-field')
  t.is(error.line, 'bogus: field')
})
