// `instanceof` for ferrofetch's own error classes holds across two loaded
// copies of the package (two dependencies each bringing their own), as it
// does for undici's errors: each class checks a Symbol.for brand.
import test from 'ava'
import * as thisCopy from '../index.mjs'
import { createParser, EventStreamError, ParseError } from '../index.mjs'
import { httpServer } from './helpers/servers.mjs'
import { loadAnotherCopy } from './helpers/another-copy.mjs'

const other = loadAnotherCopy()

/** The EventStreamError that `eventsFn` ends with when the server answers 503. */
async function eventStreamErrorFrom (t, eventsFn) {
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain' })
    res.end('busy')
  })
  const stream = eventsFn(url)
  try {
    await stream.next()
  } catch (err) {
    return err
  } finally {
    stream.close()
  }
  throw new Error('the event stream did not fail')
}

/** The ParseError that a parser made by `createParserFn` reports for an invalid `retry`. */
function parseErrorFrom (createParserFn) {
  const errors = []
  const parser = createParserFn({ onEvent () {}, onError: (err) => errors.push(err) })
  parser.feed('retry: soon\n\n')
  if (errors.length !== 1) throw new Error(`expected one parse error, got ${errors.length}`)
  return errors[0]
}

test('the other copy has classes of its own', (t) => {
  t.not(other.EventStreamError, EventStreamError)
  t.not(other.ParseError, ParseError)
})

// Each branded class, how to get one of its errors out of a copy of the
// package, and a field that shows it is the right error.
const BRANDED = [
  { name: 'EventStreamError', article: 'an', from: (t, copy) => eventStreamErrorFrom(t, copy.events), field: ['code', 'ERR_FF_SSE_STATUS'] },
  { name: 'ParseError', article: 'a', from: (t, copy) => parseErrorFrom(copy.createParser), field: ['type', 'invalid-retry'] }
]

for (const { name, article, from, field: [field, value] } of BRANDED) {
  test(`${article} ${name} from another loaded copy is instanceof this copy's class, and the reverse`, async (t) => {
    const theirs = await from(t, other)
    const ours = await from(t, thisCopy)
    t.is(theirs[field], value)
    t.true(theirs instanceof thisCopy[name])
    t.true(ours instanceof other[name])
    t.true(ours instanceof thisCopy[name])
    t.true(theirs instanceof Error)
  })
}

test('other values are not instanceof the branded classes', (t) => {
  const parseError = parseErrorFrom(createParser)
  for (const value of [new Error('x'), new TypeError('x'), {}, null, undefined, 'ParseError', 42]) {
    t.false(value instanceof ParseError)
    t.false(value instanceof EventStreamError)
  }
  t.false(parseError instanceof EventStreamError)
  t.false(parseError instanceof other.EventStreamError)
})

test('a subclass of a branded class keeps the ordinary instanceof', (t) => {
  class StrictParseError extends ParseError {}
  const sub = new StrictParseError('bad', { type: 'invalid-retry' })
  t.true(sub instanceof StrictParseError)
  t.true(sub instanceof ParseError)
  t.true(sub instanceof other.ParseError)
  t.false(parseErrorFrom(createParser) instanceof StrictParseError)
})

test('the brand adds no own property to the errors', (t) => {
  const parseError = parseErrorFrom(createParser)
  t.deepEqual(Object.getOwnPropertySymbols(parseError), [])
  t.deepEqual(Object.getOwnPropertySymbols(new EventStreamError('x', { status: 500, code: 'ERR_FF_SSE_STATUS' })), [])
})
