import test from 'ava'
import { inspect } from 'node:util'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const {
  Headers, headersFromRawList, rawHeaderList, isHeaders, getGuard, setGuard, fillHeaders
} = require('../lib/headers.js')

// Node's own Headers (undici), the reference implementation for comparisons.
const NodeHeaders = globalThis.Headers

const entries = (h) => [...h]

test('constructs from a sequence of pairs: arrays, Maps, Sets and generators', (t) => {
  t.deepEqual(entries(new Headers([['A', '1'], ['b', '2']])), [['a', '1'], ['b', '2']])
  t.deepEqual(entries(new Headers(new Map([['x', 'y']]))), [['x', 'y']])
  // Any iterable of 2-item iterables is a pair, e.g. a Set.
  t.deepEqual(entries(new Headers([new Set(['k', 'v'])])), [['k', 'v']])
  function * pairs () { yield ['g', '1']; yield ['G', '2'] }
  t.deepEqual(entries(new Headers(pairs())), [['g', '1, 2']])
  t.deepEqual(entries(new Headers()), [])
  t.deepEqual(entries(new Headers(undefined)), [])
})

test('constructs from a record: own enumerable string keys only', (t) => {
  t.deepEqual(entries(new Headers({ 'Content-Type': 'text/plain', accept: '*/*' })),
    [['accept', '*/*'], ['content-type', 'text/plain']])
  const record = Object.create({ inherited: 'no' })
  record.own = 'yes'
  Object.defineProperty(record, 'hidden', { value: 'no', enumerable: false })
  Object.defineProperty(record, Symbol('skipped'), { value: 'no', enumerable: false })
  t.deepEqual(entries(new Headers(record)), [['own', 'yes']])
  t.deepEqual(entries(new Headers({ __proto__: null, n: 1 })), [['n', '1']])
  // WebIDL record<ByteString, ...> converts the key first: an enumerable
  // Symbol key cannot be converted (WPT headers-record.any.js).
  t.throws(() => new Headers({ [Symbol('x')]: 'y' }), { instanceOf: TypeError })
})

test('constructs from another Headers as an independent copy', (t) => {
  const source = new Headers([['B', '1'], ['a', '2'], ['b', '3'], ['set-cookie', 'x=1'], ['Set-Cookie', 'y=2']])
  const copy = new Headers(source)
  t.deepEqual(entries(copy), entries(source))
  t.deepEqual(copy.getSetCookie(), ['x=1', 'y=2'])
  copy.append('c', '4')
  copy.set('a', 'changed')
  t.is(source.get('c'), null)
  t.is(source.get('a'), '2')
  t.deepEqual(entries(new Headers(copy)), entries(copy))
  // Iteration is what the spec copies, so a replaced @@iterator is honoured.
  const patched = new Headers([['a', '1']])
  patched[Symbol.iterator] = function * () { yield ['z', '9'] }
  t.deepEqual(entries(new Headers(patched)), [['z', '9']])
})

test('rejects invalid init forms with TypeError', (t) => {
  const bad = [
    null, 'a', 42, true, Symbol('s'),
    [['a']], [['a', 'b', 'c']], [[]], [1], ['ab'], [null],
    { [Symbol.iterator]: 1 },
    { [Symbol.iterator]: () => 1 },
    { [Symbol.iterator]: () => ({ next: () => 1 }) },
    { 'bad name': 'x' },
    { a: 'x\0y' },
    { a: '\u0100' }
  ]
  for (const init of bad) {
    t.throws(() => new Headers(init), { instanceOf: TypeError }, `init ${String(inspect(init))}`)
  }
  t.throws(() => Headers(), { instanceOf: TypeError }) // not callable without new
})

test('is case-insensitive for get, has, delete and set', (t) => {
  const h = new Headers()
  h.append('Content-Type', 'text/html')
  t.is(h.get('content-type'), 'text/html')
  t.is(h.get('CONTENT-TYPE'), 'text/html')
  t.true(h.has('cOnTeNt-TyPe'))
  h.append('content-type', 'charset=utf-8')
  h.set('CONTENT-type', 'text/plain')
  t.deepEqual(entries(h), [['content-type', 'text/plain']])
  // Header-list "set" and "append" keep the first header's casing for the wire.
  t.deepEqual(rawHeaderList(h), ['Content-Type', 'text/plain'])
  h.append('X-A', '1')
  h.append('x-a', '2')
  t.deepEqual(rawHeaderList(h), ['Content-Type', 'text/plain', 'X-A', '1', 'X-A', '2'])
  h.delete('x-A')
  t.false(h.has('x-a'))
  t.deepEqual(rawHeaderList(h), ['Content-Type', 'text/plain'])
})

test('iterates sorted by lower-case name (entries, keys, values, @@iterator)', (t) => {
  const h = new Headers([['Zeta', 'z'], ['alpha', 'a'], ['B', 'b'], ['~tilde', 't'], ['!bang', '!'], ['0', 'zero']])
  const names = ['!bang', '0', 'alpha', 'b', 'zeta', '~tilde']
  t.deepEqual([...h.keys()], names)
  t.deepEqual([...h.values()], ['!', 'zero', 'a', 'b', 'z', 't'])
  t.deepEqual([...h.entries()].map(([k]) => k), names)
  t.is(Headers.prototype[Symbol.iterator], Headers.prototype.entries)
  t.is(Object.prototype.toString.call(h), '[object Headers]')
  const it = h.keys()
  t.is(Object.prototype.toString.call(it), '[object Headers Iterator]')
  t.is(it[Symbol.iterator](), it) // inherits %IteratorPrototype%
  t.throws(() => it.next.call({}), { instanceOf: TypeError })
})

test('combines repeated names with ", " in get() and iteration', (t) => {
  const h = new Headers([['Accept', 'a'], ['accept', 'b, c'], ['ACCEPT', '']])
  t.is(h.get('accept'), 'a, b, c, ')
  t.deepEqual(entries(h), [['accept', 'a, b, c, ']])
  t.is(h.get('missing'), null)
})

test('iteration reflects every mutation made after an earlier iteration', (t) => {
  const h = new Headers([['a', '1'], ['b', '2'], ['A', '3']])
  t.deepEqual(entries(h), [['a', '1, 3'], ['b', '2']])
  h.set('A', '4')
  t.deepEqual(entries(h), [['a', '4'], ['b', '2']])
  h.set('b', '5')
  t.deepEqual(entries(h), [['a', '4'], ['b', '5']])
  h.append('c', '6')
  t.deepEqual(entries(h), [['a', '4'], ['b', '5'], ['c', '6']])
  h.delete('a')
  t.deepEqual(entries(h), [['b', '5'], ['c', '6']])
  t.deepEqual(rawHeaderList(h), ['b', '5', 'c', '6'])
})

test('getSetCookie returns each value; iteration yields set-cookie separately', (t) => {
  const h = new Headers([['z', '1'], ['Set-Cookie', 'a=1, b=2'], ['a', '0'], ['set-cookie', 'c=3']])
  t.deepEqual(new Headers().getSetCookie(), [])
  t.deepEqual(h.getSetCookie(), ['a=1, b=2', 'c=3'])
  h.getSetCookie().push('mutated')
  t.deepEqual(h.getSetCookie(), ['a=1, b=2', 'c=3'])
  t.is(h.get('set-cookie'), 'a=1, b=2, c=3')
  t.deepEqual(entries(h), [['a', '0'], ['set-cookie', 'a=1, b=2'], ['set-cookie', 'c=3'], ['z', '1']])
})

test('rejects bad names and values with a TypeError naming them', (t) => {
  const h = new Headers()
  for (const name of ['', 'a b', 'a:b', '(x)', 'a\nb', '\u00e9', 'a"b']) {
    for (const call of [() => h.append(name, 'v'), () => h.set(name, 'v'), () => h.get(name),
      () => h.has(name), () => h.delete(name)]) {
      const error = t.throws(call, { instanceOf: TypeError })
      t.true(error.message.includes(JSON.stringify(name)), error.message)
    }
  }
  for (const value of ['a\0b', 'a\nb', 'a\rb']) {
    const error = t.throws(() => h.append('x', value), { instanceOf: TypeError })
    t.true(error.message.includes(JSON.stringify(value)), error.message)
    t.throws(() => h.set('x', value), { instanceOf: TypeError })
  }
  t.deepEqual(entries(h), [])
  // Latin-1 and other control bytes are valid header values.
  h.append('x', '\u00e9\u00ff\x01\x7f')
  t.is(h.get('x'), '\u00e9\u00ff\x01\x7f')
})

test('rejects values that are not ByteStrings (above U+00FF) and Symbols', (t) => {
  const h = new Headers()
  for (const s of ['\u0100', 'snow\u2603', '\u{1F600}', '\ud800']) {
    t.throws(() => h.append('x', s), { instanceOf: TypeError, message: /ByteString/ })
    t.throws(() => h.append(`x${s}`, 'v'), { instanceOf: TypeError, message: /ByteString/ })
    t.throws(() => h.get(`x${s}`), { instanceOf: TypeError, message: /ByteString/ })
  }
  t.throws(() => h.append(Symbol('n'), 'v'), { instanceOf: TypeError, message: /Symbol/ })
  t.throws(() => h.set('x', Symbol('v')), { instanceOf: TypeError, message: /Symbol/ })
  t.deepEqual(entries(h), [])
})

test('converts arguments with ToString like WebIDL ByteString', (t) => {
  const h = new Headers()
  h.append('x', 1)
  h.append(42, true)
  h.set('obj', { toString: () => 'from-toString' })
  h.append('n', null)
  t.is(h.get('x'), '1')
  t.is(h.get('42'), 'true')
  t.is(h.get('obj'), 'from-toString')
  t.is(h.get('n'), 'null')
  t.is(h.get(undefined), null) // "undefined" is a valid (absent) name
})

test('throws TypeError for missing required arguments', (t) => {
  const h = new Headers([['a', '1']])
  for (const call of [() => h.append(), () => h.append('a'), () => h.set('a'), () => h.get(),
    () => h.has(), () => h.delete(), () => h.forEach()]) {
    t.throws(call, { instanceOf: TypeError, message: /argument/ })
  }
  t.deepEqual(entries(h), [['a', '1']])
})

test('throws TypeError when a method is called on a non-Headers this', (t) => {
  for (const name of ['append', 'delete', 'get', 'getSetCookie', 'has', 'set', 'forEach', 'entries', 'keys', 'values']) {
    for (const self of [{}, null, 1, Object.create(Headers.prototype), new NodeHeaders()]) {
      t.throws(() => Headers.prototype[name].call(self, 'a', 'b'), { instanceOf: TypeError }, name)
    }
  }
})

test('normalizes values by stripping leading/trailing HTTP whitespace only', (t) => {
  const h = new Headers([['a', ' \t\r\n x \t y \r\n\t ']])
  t.is(h.get('a'), 'x \t y')
  h.append('b', '   ')
  t.is(h.get('b'), '')
  h.set('c', '\tv\t')
  t.is(h.get('c'), 'v')
  // Only tab, LF, CR and space are HTTP whitespace.
  h.set('d', '\x0bv\x0c')
  t.is(h.get('d'), '\x0bv\x0c')
  t.deepEqual(rawHeaderList(h), ['a', 'x \t y', 'b', '', 'c', 'v', 'd', '\x0bv\x0c'])
})

test('an immutable guard rejects append, delete and set but allows reads', (t) => {
  const h = new Headers([['a', '1']])
  t.is(getGuard(h), 'none')
  setGuard(h, 'immutable')
  t.is(getGuard(h), 'immutable')
  t.throws(() => h.append('b', '2'), { instanceOf: TypeError, message: /immutable/ })
  t.throws(() => h.set('a', '2'), { instanceOf: TypeError, message: /immutable/ })
  t.throws(() => h.delete('a'), { instanceOf: TypeError, message: /immutable/ })
  t.throws(() => fillHeaders(h, { b: '2' }), { instanceOf: TypeError })
  t.is(h.get('a'), '1')
  t.true(h.has('a'))
  t.deepEqual(entries(h), [['a', '1']])
  // Other guards keep the headers mutable (no forbidden-name filtering).
  setGuard(h, 'request')
  h.set('Host', 'example.com')
  setGuard(h, 'response')
  h.append('Set-Cookie', 'a=1')
  t.deepEqual(entries(h), [['a', '1'], ['host', 'example.com'], ['set-cookie', 'a=1']])
  t.throws(() => setGuard(h, 'request-no-cors'), { instanceOf: TypeError })
})

test('brand check isHeaders works across two loaded copies of the module', (t) => {
  const path = require.resolve('../lib/headers.js')
  delete require.cache[path]
  const copy = require('../lib/headers.js')
  t.not(copy.Headers, Headers)
  const ours = new Headers([['A', '1']])
  const theirs = new copy.Headers([['B', '2']])
  t.false(theirs instanceof Headers)
  t.true(isHeaders(ours))
  t.true(isHeaders(theirs))
  t.true(copy.isHeaders(ours))
  t.deepEqual(rawHeaderList(theirs), ['B', '2'])
  t.deepEqual(copy.rawHeaderList(ours), ['A', '1'])
  setGuard(theirs, 'immutable')
  t.is(copy.getGuard(theirs), 'immutable')
  t.throws(() => theirs.append('c', '3'), { instanceOf: TypeError })
  for (const value of [null, undefined, {}, 'Headers', Object.create(Headers.prototype),
    new NodeHeaders(), { [Symbol.for('ferrofetch.headers')]: Headers.prototype[Symbol.for('ferrofetch.headers')] }]) {
    t.false(isHeaders(value))
  }
  t.throws(() => rawHeaderList({}), { instanceOf: TypeError })
})

test('headersFromRawList adopts a network list and rawHeaderList returns it', (t) => {
  const flat = ['content-type', 'text/plain', 'set-cookie', 'a=1', 'x-dup', '1', 'set-cookie', 'b=2', 'x-dup', '2']
  const h = headersFromRawList(flat, 'immutable')
  t.true(h instanceof Headers)
  t.is(getGuard(h), 'immutable')
  t.deepEqual(rawHeaderList(h), flat)
  t.deepEqual(entries(h), [['content-type', 'text/plain'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-dup', '1, 2']])
  t.deepEqual(h.getSetCookie(), ['a=1', 'b=2'])
  t.throws(() => h.append('a', 'b'), { instanceOf: TypeError })
  // A mutable one keeps working when mixed-case names are added later.
  const m = headersFromRawList(['a', '1'])
  t.is(getGuard(m), 'none')
  m.append('B', '2')
  m.append('b', '3')
  m.append('A', '4')
  t.is(m.get('b'), '2, 3')
  t.deepEqual(rawHeaderList(m), ['a', '1', 'B', '2', 'B', '3', 'a', '4'])
  m.delete('a')
  t.deepEqual(rawHeaderList(m), ['B', '2', 'B', '3'])
  const roundTrip = headersFromRawList(rawHeaderList(h).slice())
  t.deepEqual(rawHeaderList(roundTrip), flat)
  t.deepEqual(entries(roundTrip), entries(h))
  t.throws(() => headersFromRawList(['a']), { instanceOf: TypeError })
  t.throws(() => headersFromRawList('a: b'), { instanceOf: TypeError })
})

test('fillHeaders appends a HeadersInit to existing headers', (t) => {
  const h = new Headers([['a', '1']])
  fillHeaders(h, { a: '2', b: '3' })
  fillHeaders(h, [['c', '4']])
  fillHeaders(h, new Headers([['a', '5']]))
  t.deepEqual(entries(h), [['a', '1, 2, 5'], ['b', '3'], ['c', '4']])
  t.throws(() => fillHeaders(h, [['bad name', 'x']]), { instanceOf: TypeError })
  t.throws(() => fillHeaders({}, []), { instanceOf: TypeError })
})

test('forEach passes (value, name, headers), honours thisArg and sees mutations', (t) => {
  const h = new Headers([['b', '2'], ['A', '1'], ['c', '3']])
  const calls = []
  const self = {}
  h.forEach(function (value, name, headers) {
    calls.push([value, name, headers === h, this === self])
    if (name === 'a') headers.delete('b') // pairs are re-read after each callback
  }, self)
  t.deepEqual(calls, [['1', 'a', true, true], ['3', 'c', true, true]])
  t.throws(() => h.forEach('not a function'), { instanceOf: TypeError })
  t.throws(() => h.forEach(() => { throw new RangeError('boom') }), { instanceOf: RangeError })
})

test('mutating during iteration follows WebIDL index semantics without crashing', (t) => {
  const h = new Headers([['a', '1'], ['b', '2'], ['c', '3']])
  const seen = []
  for (const [name] of h) {
    seen.push(name)
    if (name === 'a') h.delete('a') // b moves to index 0, so it is skipped
    if (name === 'c') h.append('d', '4') // appended past the index: visited
  }
  t.deepEqual(seen, ['a', 'c', 'd'])
  const it = h.keys()
  h.delete('b')
  h.delete('c')
  h.delete('d')
  t.deepEqual(it.next(), { value: undefined, done: true })
})

test('util.inspect shows the sorted, combined headers', (t) => {
  const h = new Headers([['Set-Cookie', 'x'], ['B', '1'], ['b', '2'], ['set-cookie', 'y']])
  t.is(inspect(h), "Headers { b: '1, 2', 'set-cookie': [ 'x', 'y' ] }")
  t.is(inspect(new Headers()), 'Headers {}')
  t.is(inspect({ h }, { depth: 0 }), '{ h: [Headers] }')
})

// Each case runs against both implementations; results must be identical.
const cases = {
  'mixed-case duplicates': (H) => new H([['B', '1'], ['a', '2'], ['b', '3'], ['A', '4']]),
  record: (H) => new H({ 'X-One': '1', 'x-two': ' 2 ', Three: '3' }),
  'append/set/delete': (H) => {
    const h = new H([['a', '1']])
    h.append('A', '2'); h.set('b', 'x'); h.append('c', 'y'); h.set('C', 'z'); h.delete('a')
    return h
  },
  'set-cookie': (H) => new H([['Set-Cookie', 'a=1'], ['x', '1'], ['set-cookie', 'b=2, c=3'], ['X', '2']]),
  'set-cookie get': (H) => new H([['Set-Cookie', 'a=1'], ['set-cookie', 'b=2']]).get('Set-Cookie'),
  whitespace: (H) => new H([['a', ' \t 1 \r\n'], ['b', '\t'], ['c', '1 \t 2']]),
  'empty values combine': (H) => new H([['a', 'x'], ['a', ''], ['b', ''], ['b', 'y']]),
  'copy re-normalizes combined values': (H) => new H(new H([['a', 'x'], ['a', '']])),
  'copy of a copy': (H) => new H(new H(new H({ b: '1', a: '2' }))),
  'all tchar names': (H) => new H([["!#$%&'*+-.^_`|~09AZaz", 'v'], ['0', '0'], ['~', '~']]),
  'latin-1 values': (H) => new H([['a', '\u00e9\u00ff\x7f\x01']]),
  'number conversion': (H) => new H([[1, 2], ['x', 3.5]]),
  'keys and values': (H) => { const h = new H([['b', '2'], ['a', '1']]); return [[...h.keys()], [...h.values()]] },
  forEach: (H) => { const out = []; new H([['b', '2'], ['A', '1']]).forEach((v, k) => out.push(k + '=' + v)); return out },
  'delete during iteration': (H) => {
    const h = new H([['a', '1'], ['b', '2'], ['c', '3']])
    const seen = []
    for (const [k] of h) { seen.push(k); if (k === 'a') h.delete('a') }
    return seen
  },
  'has/get after delete': (H) => { const h = new H([['a', '1']]); h.delete('A'); return [h.has('a'), h.get('a')] },
  'invalid name': (H) => new H([['a b', '1']]),
  'invalid value NUL': (H) => new H([['a', 'x\0y']]),
  'invalid value newline': (H) => new H().append('a', 'x\ny'),
  'non-ByteString value': (H) => new H().set('a', '\u0100'),
  'pair of three': (H) => new H([['a', 'b', 'c']]),
  'null init': (H) => new H(null),
  'string pair': (H) => new H(['ab']),
  'get invalid name': (H) => new H().get('a b')
}

function run (H, fn) {
  try {
    const result = fn(H)
    return { ok: result instanceof H ? [...result] : result }
  } catch (error) {
    return { error: error.constructor.name }
  }
}

test('matches Node\'s global Headers (undici) for iteration output', (t) => {
  t.is(typeof NodeHeaders, 'function')
  t.not(NodeHeaders, Headers)
  for (const [name, fn] of Object.entries(cases)) {
    t.deepEqual(run(Headers, fn), run(NodeHeaders, fn), name)
  }
})
