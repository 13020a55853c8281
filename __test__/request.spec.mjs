// The Request class: "new Request(input, init)" (Fetch §6.4), clone(),
// signals, bodies, and a side-by-side comparison with Node's own Request.
import test from 'ava'
import { fetch, Request, Headers } from '../index.mjs'
import { httpServer } from './helpers/servers.mjs'

const NodeRequest = globalThis.Request
const URL_A = 'http://example.com/path?q=1#frag'

const streamOf = (...chunks) => new ReadableStream({
  start (controller) {
    for (const c of chunks) controller.enqueue(new TextEncoder().encode(c))
    controller.close()
  }
})

test('the six standard methods are upper-cased, others kept as given', (t) => {
  for (const method of ['get', 'post', 'put', 'delete', 'head', 'options']) {
    t.is(new Request(URL_A, { method }).method, method.toUpperCase())
  }
  t.is(new Request(URL_A, { method: 'Post' }).method, 'POST')
  // Fetch normalizes only those six: 'patch' stays 'patch'.
  t.is(new Request(URL_A, { method: 'patch' }).method, 'patch')
  t.is(new Request(URL_A, { method: 'PATCH' }).method, 'PATCH')
  t.is(new Request(URL_A, { method: 'Propfind' }).method, 'Propfind')
  t.is(new Request(URL_A).method, 'GET')
})

test('forbidden and malformed methods are TypeErrors', (t) => {
  for (const method of ['CONNECT', 'connect', 'TRACE', 'trace', 'TRACK', 'Track']) {
    t.throws(() => new Request(URL_A, { method }), { instanceOf: TypeError }, method)
  }
  for (const method of ['', 'GE T', 'GET\n', 'G(ET', 'GÉT', 'M\u0100']) {
    t.throws(() => new Request(URL_A, { method }), { instanceOf: TypeError }, JSON.stringify(method))
  }
})

test('the URL is parsed, serialized, and may not carry credentials', (t) => {
  t.is(new Request(URL_A).url, URL_A)
  t.is(new Request(new URL('HTTP://Example.COM:80/a b')).url, 'http://example.com/a%20b')
  t.is(new Request('data:,hello').url, 'data:,hello')
  for (const bad of ['/relative', 'not a url', 'http://[::1']) {
    t.throws(() => new Request(bad), { instanceOf: TypeError }, bad)
  }
  for (const withCredentials of ['http://user@example.com/', 'http://user:pw@example.com/', 'http://:pw@example.com/']) {
    t.throws(() => new Request(withCredentials), { instanceOf: TypeError }, withCredentials)
  }
  t.throws(() => new Request(), { instanceOf: TypeError })
})

test("init's headers replace the input request's", (t) => {
  const input = new Request(URL_A, { headers: { 'x-a': '1', 'x-b': '2' } })
  const replaced = new Request(input, { headers: { 'x-c': '3' } })
  t.deepEqual([...replaced.headers], [['x-c', '3']])
  const kept = new Request(input, { method: 'POST' })
  t.deepEqual([...kept.headers], [['x-a', '1'], ['x-b', '2']])
  // Copies, not shared lists.
  kept.headers.set('x-a', 'changed')
  t.is(input.headers.get('x-a'), '1')
  t.is(new Request(URL_A, { headers: new Headers([['x-d', '4']]) }).headers.get('x-d'), '4')
})

test("a request's headers are mutable and validated", (t) => {
  const request = new Request(URL_A)
  request.headers.set('x-a', '1')
  t.is(request.headers.get('x-a'), '1')
  t.throws(() => request.headers.set('bad name', 'x'), { instanceOf: TypeError })
  t.throws(() => new Request(URL_A, { headers: { 'x-a': 'a\r\nb' } }), { instanceOf: TypeError })
})

test('a Request from a Request copies everything; init overrides', (t) => {
  const controller = new AbortController()
  const input = new Request(URL_A, {
    method: 'PUT',
    headers: { 'x-a': '1' },
    redirect: 'manual',
    cache: 'no-cache',
    credentials: 'omit',
    mode: 'same-origin',
    integrity: 'sha256-abc',
    keepalive: true,
    referrer: 'http://example.com/from',
    referrerPolicy: 'origin',
    signal: controller.signal
  })
  const copy = new Request(input)
  for (const name of ['method', 'url', 'redirect', 'cache', 'credentials', 'mode', 'integrity',
    'keepalive', 'referrer', 'referrerPolicy', 'destination']) {
    t.is(copy[name], input[name], name)
  }
  t.deepEqual([...copy.headers], [['x-a', '1']])
  const changed = new Request(input, { method: 'DELETE', redirect: 'error', cache: 'reload' })
  t.is(changed.method, 'DELETE')
  t.is(changed.redirect, 'error')
  t.is(changed.cache, 'reload')
  t.is(changed.credentials, 'omit')
  // §6.4 step 13: with a non-empty init, referrer and policy start over.
  t.is(changed.referrer, 'about:client')
  t.is(changed.referrerPolicy, '')
  controller.abort()
  t.true(copy.signal.aborted)
  t.true(changed.signal.aborted)
})

test("a Request from a Request takes the input's body and leaves the input used", async (t) => {
  const input = new Request(URL_A, { method: 'POST', body: 'moved' })
  const moved = new Request(input)
  t.true(input.bodyUsed)
  t.false(moved.bodyUsed)
  t.is(moved.headers.get('content-type'), 'text/plain;charset=UTF-8')
  t.is(await moved.text(), 'moved')
  await t.throwsAsync(input.text(), { instanceOf: TypeError })
  t.throws(() => new Request(input), { instanceOf: TypeError })
  t.throws(() => input.clone(), { instanceOf: TypeError })
  // A used request still serves as input when init brings a new body.
  t.is(await new Request(input, { body: 'fresh' }).text(), 'fresh')
})

test("init's body replaces the input's and leaves the input unused", async (t) => {
  const input = new Request(URL_A, { method: 'POST', body: 'original' })
  const replaced = new Request(input, { body: new Uint8Array([104, 105]) })
  t.false(input.bodyUsed)
  t.is(await replaced.text(), 'hi')
  t.is(await input.text(), 'original')
})

test("body: null in init does not drop the input's body", async (t) => {
  const input = new Request(URL_A, { method: 'POST', body: 'kept' })
  const copy = new Request(input, { body: null })
  t.true(input.bodyUsed)
  t.is(await copy.text(), 'kept')
})

test('a stream body moves from Request to Request', async (t) => {
  const input = new Request(URL_A, { method: 'POST', body: streamOf('a', 'b'), duplex: 'half' })
  const moved = new Request(input, { method: 'PUT' })
  t.true(input.bodyUsed)
  t.is(await moved.text(), 'ab')
})

test('GET and HEAD cannot have a body, from init or from the input', (t) => {
  for (const method of [undefined, 'GET', 'get', 'HEAD', 'head']) {
    t.throws(() => new Request(URL_A, { method, body: 'x' }), { instanceOf: TypeError }, String(method))
    t.throws(() => new Request(URL_A, { method, body: new Uint8Array(0) }), { instanceOf: TypeError })
  }
  t.is(new Request(URL_A, { body: null }).body, null)
  t.is(new Request(URL_A, { method: 'HEAD', body: undefined }).body, null)
  const post = new Request(URL_A, { method: 'POST', body: 'x' })
  t.throws(() => new Request(post, { method: 'GET' }), { instanceOf: TypeError })
  t.throws(() => new Request(post, { method: 'GET', body: null }), { instanceOf: TypeError })
  t.is(new Request(new Request(URL_A, { method: 'POST' }), { method: 'GET' }).method, 'GET')
})

test('body kinds set content-type and read back', async (t) => {
  const form = new FormData()
  form.append('k', 'v')
  const cases = [
    ['text', 'text/plain;charset=UTF-8', 'text'],
    [new Blob(['blob'], { type: 'x/y' }), 'x/y', 'blob'],
    [new URLSearchParams('a=b'), 'application/x-www-form-urlencoded;charset=UTF-8', 'a=b'],
    [new Uint8Array([104]).buffer, null, 'h'],
    [9, 'text/plain;charset=UTF-8', '9']
  ]
  for (const [body, type, text] of cases) {
    const request = new Request(URL_A, { method: 'POST', body })
    t.is(request.headers.get('content-type'), type)
    t.true(request.body instanceof ReadableStream)
    t.is(await request.text(), text)
    t.true(request.bodyUsed)
  }
  const multipart = new Request(URL_A, { method: 'POST', body: form })
  t.regex(multipart.headers.get('content-type'), /^multipart\/form-data; ?boundary=/)
  t.is((await multipart.formData()).get('k'), 'v')
})

test('clone() copies headers and body, both readable', async (t) => {
  const request = new Request(URL_A, { method: 'POST', body: streamOf('cl', 'one'), duplex: 'half', headers: { 'x-a': '1' } })
  const copy = request.clone()
  t.true(copy instanceof Request)
  t.is(copy.method, 'POST')
  t.is(copy.url, URL_A)
  copy.headers.set('x-a', '2')
  t.is(request.headers.get('x-a'), '1')
  t.deepEqual(await Promise.all([request.text(), copy.text()]), ['clone', 'clone'])
  t.throws(() => request.clone(), { instanceOf: TypeError })
  const noBody = new Request(URL_A).clone()
  t.is(noBody.body, null)
})

test('the signal follows init.signal without being it', (t) => {
  const controller = new AbortController()
  const request = new Request(URL_A, { signal: controller.signal })
  t.true(request.signal instanceof AbortSignal)
  t.not(request.signal, controller.signal)
  t.is(request.signal, request.signal)
  t.false(request.signal.aborted)
  const clone = request.clone()
  const reason = new Error('stop')
  controller.abort(reason)
  t.true(request.signal.aborted)
  t.is(request.signal.reason, reason)
  t.true(clone.signal.aborted)
  t.is(clone.signal.reason, reason)
})

test('without init.signal the signal never aborts; an aborted one is aborted at once', (t) => {
  const plain = new Request(URL_A)
  t.true(plain.signal instanceof AbortSignal)
  t.false(plain.signal.aborted)
  const already = new Request(URL_A, { signal: AbortSignal.abort('why') })
  t.true(already.signal.aborted)
  t.is(already.signal.reason, 'why')
  // signal: null cuts the link to the input request's signal.
  const controller = new AbortController()
  const detached = new Request(new Request(URL_A, { signal: controller.signal }), { signal: null })
  controller.abort()
  t.false(detached.signal.aborted)
  t.throws(() => new Request(URL_A, { signal: {} }), { instanceOf: TypeError })
  t.throws(() => new Request(URL_A, { signal: new AbortController() }), { instanceOf: TypeError })
})

test('fetch(request) honours the signal given to the Request', async (t) => {
  let requests = 0
  const { url } = await httpServer(t, (req, res) => { requests++; res.end() })
  const reason = new Error('cancelled early')
  await t.throwsAsync(fetch(new Request(url, { signal: AbortSignal.abort(reason) })), { is: reason })
  t.is(requests, 0)
})

test('a stream body needs duplex: "half"', (t) => {
  t.throws(() => new Request(URL_A, { method: 'POST', body: streamOf('x') }), { instanceOf: TypeError })
  t.is(new Request(URL_A, { method: 'POST', body: streamOf('x'), duplex: 'half' }).duplex, 'half')
  t.throws(() => new Request(URL_A, { method: 'POST', body: 'x', duplex: 'full' }), { instanceOf: TypeError })
  async function * chunks () { yield 'x' }
  t.throws(() => new Request(URL_A, { method: 'POST', body: chunks() }), { instanceOf: TypeError })
  t.notThrows(() => new Request(URL_A, { method: 'POST', body: chunks(), duplex: 'half' }))
  // Bodies with a source (FormData, Blob, bytes) need no duplex.
  const form = new FormData()
  form.append('a', 'b')
  t.notThrows(() => new Request(URL_A, { method: 'POST', body: form }))
  t.notThrows(() => new Request(URL_A, { method: 'POST', body: new Blob(['x']) }))
  // keepalive cannot carry a stream.
  t.throws(() => new Request(URL_A, { method: 'POST', body: streamOf('x'), duplex: 'half', keepalive: true }), { instanceOf: TypeError })
  t.true(new Request(URL_A, { method: 'POST', body: 'x', keepalive: true }).keepalive)
})

test('a locked or disturbed stream cannot be a body', async (t) => {
  const locked = streamOf('x')
  locked.getReader()
  t.throws(() => new Request(URL_A, { method: 'POST', body: locked, duplex: 'half' }), { instanceOf: TypeError })
  const read = streamOf('x')
  await read.getReader().read()
  t.throws(() => new Request(URL_A, { method: 'POST', body: read, duplex: 'half' }), { instanceOf: TypeError })
})

test('redirect modes: follow by default, error and manual accepted, others TypeError', (t) => {
  t.is(new Request(URL_A).redirect, 'follow')
  t.is(new Request(URL_A, { redirect: 'error' }).redirect, 'error')
  t.is(new Request(URL_A, { redirect: 'manual' }).redirect, 'manual')
  for (const redirect of ['Follow', 'none', '']) {
    t.throws(() => new Request(URL_A, { redirect }), { instanceOf: TypeError })
  }
})

test('enumerated init members are validated', (t) => {
  const invalid = [
    { cache: 'sometimes' }, { credentials: 'all' }, { mode: 'any' }, { referrerPolicy: 'never' },
    { mode: 'navigate' }, { cache: 'only-if-cached' }, { mode: 'no-cors', method: 'PUT' },
    { referrer: 'not a url' }, { referrer: '/relative' }, { window: {} }
  ]
  for (const init of invalid) {
    t.throws(() => new Request(URL_A, init), { instanceOf: TypeError }, JSON.stringify(init))
  }
  t.is(new Request(URL_A, { cache: 'only-if-cached', mode: 'same-origin' }).cache, 'only-if-cached')
  t.is(new Request(URL_A, { mode: 'no-cors', method: 'POST' }).mode, 'no-cors')
  t.is(new Request(URL_A, { window: null }).url, URL_A)
})

test('referrer: "" is no referrer, about:client the default, a URL itself', (t) => {
  t.is(new Request(URL_A).referrer, 'about:client')
  t.is(new Request(URL_A, { referrer: '' }).referrer, '')
  t.is(new Request(URL_A, { referrer: 'about:client' }).referrer, 'about:client')
  t.is(new Request(URL_A, { referrer: 'http://other.example/a b' }).referrer, 'http://other.example/a%20b')
})

test("default property values are those of Node's Request", (t) => {
  const names = ['method', 'url', 'cache', 'credentials', 'mode', 'referrer', 'referrerPolicy', 'destination',
    'integrity', 'keepalive', 'redirect', 'duplex', 'isReloadNavigation', 'isHistoryNavigation', 'bodyUsed']
  const ours = new Request(URL_A)
  const node = new NodeRequest(URL_A)
  for (const name of names) t.is(ours[name], node[name], name)
  t.is(ours.body, null)
  t.deepEqual([...ours.headers], [])
})

test('instanceof, toStringTag and the WebIDL shape of the prototype', (t) => {
  const request = new Request(URL_A)
  t.true(request instanceof Request)
  t.false(new NodeRequest(URL_A) instanceof Request)
  t.is(Object.prototype.toString.call(request), '[object Request]')
  t.throws(() => Request(URL_A), { instanceOf: TypeError })
  // Attributes and operations are enumerable, as on Node's Request (whose
  // prototype also lists a stray 'attribute' key, which is not part of the
  // interface).
  // textStream() is Fetch's newer Body method (undici 8), which Node's
  // bundled Request may not have yet.
  const names = (proto) => Object.keys(proto).filter((name) => name !== 'attribute' && name !== 'textStream').sort()
  t.deepEqual(names(Request.prototype), names(NodeRequest.prototype))
  t.true(Object.keys(Request.prototype).includes('textStream'))
})

// --- The same inputs on Node's Request and on ours ----------------------------

/** What a user observes of a request, or the class of what it threw. */
async function observe (make) {
  let request
  try {
    request = make()
  } catch (err) {
    return { threw: err.constructor.name }
  }
  const seen = {}
  for (const name of ['method', 'url', 'cache', 'credentials', 'mode', 'referrer', 'referrerPolicy',
    'destination', 'integrity', 'keepalive', 'redirect', 'duplex', 'bodyUsed']) {
    seen[name] = request[name]
  }
  seen.headers = [...request.headers]
  seen.signalAborted = request.signal.aborted
  seen.bodyIsNull = request.body === null
  seen.text = await request.text().catch((err) => `rejected ${err.constructor.name}`)
  return seen
}

const comparisons = [
  ['a string URL', (R) => new R(URL_A)],
  ['a URL object', (R) => new R(new URL('http://example.com/ä?x=ü'))],
  ['a relative URL', (R) => new R('/x')],
  ['credentials in the URL', (R) => new R('http://u:p@example.com/')],
  ['lower-case get', (R) => new R(URL_A, { method: 'get' })],
  ['a custom method', (R) => new R(URL_A, { method: 'Custom' })],
  ['trace', (R) => new R(URL_A, { method: 'trace' })],
  ['a method with a space', (R) => new R(URL_A, { method: 'A B' })],
  ['a POST with text', (R) => new R(URL_A, { method: 'POST', body: 'hi' })],
  ['a POST with bytes', (R) => new R(URL_A, { method: 'POST', body: new Uint16Array([0x6968]) })],
  ['a POST with URLSearchParams', (R) => new R(URL_A, { method: 'POST', body: new URLSearchParams('x=1 2') })],
  ['a POST with a typed Blob', (R) => new R(URL_A, { method: 'POST', body: new Blob(['b'], { type: 'A/B' }) })],
  ['a POST with a stream, no duplex', (R) => new R(URL_A, { method: 'POST', body: streamOf('s') })],
  ['a POST with a stream, duplex half', (R) => new R(URL_A, { method: 'POST', body: streamOf('s'), duplex: 'half' })],
  ['a GET with a body', (R) => new R(URL_A, { body: 'x' })],
  ['a HEAD with an empty body', (R) => new R(URL_A, { method: 'HEAD', body: '' })],
  ['headers and a body type', (R) => new R(URL_A, { method: 'POST', body: 'x', headers: { 'Content-Type': 'a/b', 'X-Z': '1' } })],
  ['every enum member', (R) => new R(URL_A, {
    cache: 'no-store', credentials: 'include', mode: 'no-cors', redirect: 'manual', referrerPolicy: 'unsafe-url'
  })],
  ['an invalid cache', (R) => new R(URL_A, { cache: 'x' })],
  ['mode navigate', (R) => new R(URL_A, { mode: 'navigate' })],
  ['only-if-cached without same-origin', (R) => new R(URL_A, { cache: 'only-if-cached' })],
  ['no-cors with PUT', (R) => new R(URL_A, { mode: 'no-cors', method: 'PUT' })],
  ['referrer empty', (R) => new R(URL_A, { referrer: '' })],
  ['referrer a URL', (R) => new R(URL_A, { referrer: 'https://a.example/p' })],
  ['referrer about:blank', (R) => new R(URL_A, { referrer: 'about:blank' })],
  ['integrity and keepalive', (R) => new R(URL_A, { integrity: 'sha384-x', keepalive: 1 })],
  ['an aborted signal', (R) => new R(URL_A, { signal: AbortSignal.abort() })],
  ['window null', (R) => new R(URL_A, { window: null })],
  ['window set', (R) => new R(URL_A, { window: 1 })],
  ['init null', (R) => new R(URL_A, null)],
  ['init a number', (R) => new R(URL_A, 1)],
  ['from a Request', (R) => new R(new R(URL_A, { method: 'PUT', body: 'b', headers: { a: '1' }, referrerPolicy: 'origin' }))],
  ['from a Request, init not empty', (R) => new R(new R(URL_A, { method: 'PUT', referrer: 'http://a.example/', referrerPolicy: 'origin' }), { method: 'POST' })],
  ['from a Request, init with unknown keys only', (R) => new R(new R(URL_A, { referrerPolicy: 'origin' }), { unknown: 1 })],
  ['from a Request, body null', (R) => new R(new R(URL_A, { method: 'PUT', body: 'b' }), { body: null })],
  ['from a POST Request as GET', (R) => new R(new R(URL_A, { method: 'POST', body: 'b' }), { method: 'GET' })],
  ['from a used Request', (R) => {
    const used = new R(URL_A, { method: 'POST', body: 'b' })
    new R(used) // eslint-disable-line no-new -- constructing from `used` consumes its body
    return new R(used)
  }],
  ['clone()', (R) => new R(URL_A, { method: 'POST', body: 'c', cache: 'no-cache' }).clone()]
]

// Where a Node release's own Request departs from the Fetch standard, the
// standard's value is expected instead. Node 24's undici resets the
// referrer policy of a Request made from a Request even when init is empty;
// §6.4 step 13 resets it only "if init is not empty".
const NODE_MAJOR = Number(process.versions.node.split('.')[0])
const specOverrides = NODE_MAJOR >= 24
  ? {
      'from a Request': { referrerPolicy: 'origin' },
      'from a Request, init with unknown keys only': { referrerPolicy: 'origin' }
    }
  : {}

for (const [what, make] of comparisons) {
  test(`same as Node's Request: ${what}`, async (t) => {
    const expected = { ...(await observe(() => make(NodeRequest))), ...specOverrides[what] }
    t.deepEqual(await observe(() => make(Request)), expected)
  })
}

test("same as Node's Request: bodyUsed of the input after new Request(input)", (t) => {
  const run = (R) => {
    const input = new R(URL_A, { method: 'POST', body: 'x' })
    const before = input.bodyUsed
    const copy = new R(input)
    return [before, input.bodyUsed, copy.bodyUsed, input.body.locked]
  }
  t.deepEqual(run(Request), run(NodeRequest))
})
