// The Response class: construction (Fetch §6.5), its static constructors,
// header guards, clone(), and a side-by-side comparison with Node's own
// Response for the same constructions.
import test from 'ava'
import { fetch, Response, Headers } from '../index.mjs'
import { httpServer } from './helpers/servers.mjs'

const NodeResponse = globalThis.Response

const bytesOf = async (response) => [...new Uint8Array(await response.arrayBuffer())]

test('each body init kind gives its bytes and its content-type', async (t) => {
  const backing = new Uint8Array([9, 1, 2, 3, 9])
  const form = new URLSearchParams({ q: 'a b' })
  const cases = [
    ['string', 'hé', [0x68, 0xc3, 0xa9], 'text/plain;charset=UTF-8'],
    ['ArrayBuffer', backing.buffer, [9, 1, 2, 3, 9], null],
    ['Uint8Array view', backing.subarray(1, 4), [1, 2, 3], null],
    ['Uint16Array', new Uint16Array([0x0201]), [1, 2], null],
    ['DataView with offset', new DataView(backing.buffer, 2, 2), [2, 3], null],
    ['Blob with type', new Blob(['ab'], { type: 'Text/X-Test' }), [0x61, 0x62], 'text/x-test'],
    ['Blob without type', new Blob(['ab']), [0x61, 0x62], null],
    ['URLSearchParams', form, [...Buffer.from('q=a+b')], 'application/x-www-form-urlencoded;charset=UTF-8'],
    ['number', 7, [0x37], 'text/plain;charset=UTF-8'],
    ['ReadableStream', new ReadableStream({ start (c) { c.enqueue(new Uint8Array([5, 6])); c.close() } }), [5, 6], null]
  ]
  for (const [what, body, bytes, type] of cases) {
    const res = new Response(body)
    t.is(res.headers.get('content-type'), type, what)
    t.not(res.body, null, what)
    t.deepEqual(await bytesOf(res), bytes, what)
  }
})

test('a FormData body is multipart and reads back with formData()', async (t) => {
  const form = new FormData()
  form.append('field', 'value')
  form.append('file', new File(['contents'], 'a.txt', { type: 'text/plain' }))
  const res = new Response(form)
  t.regex(res.headers.get('content-type'), /^multipart\/form-data; ?boundary=/)
  const back = await res.formData()
  t.is(back.get('field'), 'value')
  t.is(back.get('file').name, 'a.txt')
  t.is(await back.get('file').text(), 'contents')
})

test('an async iterable body is read like a stream (as in Node)', async (t) => {
  async function * chunks () {
    yield 'ab'
    yield new Uint8Array([0x63])
  }
  const res = new Response(chunks())
  t.is(res.headers.get('content-type'), null)
  t.is(await res.text(), 'abc')
})

test('no body, undefined and null give a null body', async (t) => {
  for (const res of [new Response(), new Response(undefined), new Response(null)]) {
    t.is(res.body, null)
    t.is(res.status, 200)
    t.is(await res.text(), '')
    t.false(res.bodyUsed)
  }
})

test('a locked or disturbed stream cannot become a body', async (t) => {
  const locked = new ReadableStream()
  locked.getReader()
  t.throws(() => new Response(locked), { instanceOf: TypeError })
  const disturbed = new ReadableStream({ start (c) { c.close() } })
  await disturbed.getReader().read()
  t.throws(() => new Response(disturbed), { instanceOf: TypeError })
})

test('a status outside 200–599 is a RangeError', (t) => {
  for (const status of [0, 101, 199, 600, 999, -1]) {
    t.throws(() => new Response(null, { status }), { instanceOf: RangeError }, String(status))
  }
  for (const status of [200, 299, 404, 599]) t.is(new Response(null, { status }).status, status)
})

test('status converts like a WebIDL unsigned short', (t) => {
  t.is(new Response(null, { status: 201.9 }).status, 201)
  t.is(new Response(null, { status: '202' }).status, 202)
  // 65536 + 203 wraps around to 203.
  t.is(new Response(null, { status: 65739 }).status, 203)
  t.throws(() => new Response(null, { status: NaN }), { instanceOf: RangeError })
})

test('statusText must be a reason-phrase', (t) => {
  t.is(new Response(null, { statusText: 'All\tgood ñ' }).statusText, 'All\tgood ñ')
  for (const statusText of ['bad\r\n', 'nul\0', 'snow ☃', '\x7f']) {
    t.throws(() => new Response(null, { statusText }), { instanceOf: TypeError }, JSON.stringify(statusText))
  }
})

test('a null-body status with a body is a TypeError', (t) => {
  for (const status of [204, 205, 304]) {
    t.throws(() => new Response('x', { status }), { instanceOf: TypeError })
    t.throws(() => new Response('', { status }), { instanceOf: TypeError })
    t.is(new Response(null, { status }).body, null)
  }
})

test('init must be a dictionary: null is {}, a primitive is a TypeError', (t) => {
  t.is(new Response('x', null).status, 200)
  t.throws(() => new Response('x', 5), { instanceOf: TypeError })
  t.throws(() => new Response('x', 'init'), { instanceOf: TypeError })
})

test('Response.error() is a network error with immutable headers', async (t) => {
  const res = Response.error()
  t.is(res.type, 'error')
  t.is(res.status, 0)
  t.is(res.statusText, '')
  t.false(res.ok)
  t.is(res.body, null)
  t.throws(() => res.headers.set('x', 'y'), { instanceOf: TypeError })
})

test('Response.redirect() sets Location and validates status and URL', (t) => {
  const res = Response.redirect('http://example.com/a b?x#frag', 307)
  t.is(res.status, 307)
  t.is(res.headers.get('location'), 'http://example.com/a%20b?x#frag')
  t.is(res.body, null)
  t.throws(() => res.headers.set('x', 'y'), { instanceOf: TypeError })
  t.is(Response.redirect(new URL('http://example.com/')).status, 302)
  for (const status of [301, 302, 303, 307, 308]) t.is(Response.redirect('http://x.test/', status).status, status)
  for (const status of [200, 300, 304, 399]) {
    t.throws(() => Response.redirect('http://x.test/', status), { instanceOf: RangeError })
  }
  t.throws(() => Response.redirect('/relative'), { instanceOf: TypeError })
  t.throws(() => Response.redirect('http://[bad'), { instanceOf: TypeError })
})

test('Response.json() serializes and sets application/json unless given', async (t) => {
  const res = Response.json({ a: [1, 'ü'] }, { status: 201, headers: { 'x-a': '1' } })
  t.is(res.status, 201)
  t.is(res.headers.get('content-type'), 'application/json')
  t.is(res.headers.get('x-a'), '1')
  t.deepEqual(await res.json(), { a: [1, 'ü'] })
  const typed = Response.json('s', { headers: { 'content-type': 'application/vnd.x+json' } })
  t.is(typed.headers.get('content-type'), 'application/vnd.x+json')
  t.is(await typed.text(), '"s"')
  // The result is an ordinary response: its headers can be changed.
  typed.headers.set('x-b', '2')
  t.throws(() => Response.json(undefined), { instanceOf: TypeError })
  t.throws(() => Response.json(1n), { instanceOf: TypeError })
  t.throws(() => Response.json(1, { status: 204 }), { instanceOf: TypeError })
})

test("a constructed response's headers are mutable", (t) => {
  const res = new Response('x', { headers: { 'x-a': '1' } })
  res.headers.set('x-a', '2')
  res.headers.append('set-cookie', 'a=b')
  t.is(res.headers.get('x-a'), '2')
  t.deepEqual(res.headers.getSetCookie(), ['a=b'])
})

test('the init headers may be a Headers, a record or pairs, and content-type wins over the body type', (t) => {
  for (const headers of [new Headers({ 'content-type': 'a/b' }), { 'Content-Type': 'a/b' }, [['content-type', 'a/b']]]) {
    t.is(new Response('text', { headers }).headers.get('content-type'), 'a/b')
  }
})

test('clone() of a constructed response: both read fully and equally', async (t) => {
  const res = new Response('cloned body', { status: 201, statusText: 'Made', headers: { 'x-a': '1' } })
  const copy = res.clone()
  t.true(copy instanceof Response)
  t.is(copy.status, 201)
  t.is(copy.statusText, 'Made')
  t.deepEqual([...copy.headers], [...res.headers])
  // The copies' headers are separate lists.
  copy.headers.set('x-a', '2')
  t.is(res.headers.get('x-a'), '1')
  t.is(await res.text(), 'cloned body')
  t.is(await copy.text(), 'cloned body')
})

test('clone() of a stream body tees it', async (t) => {
  const res = new Response(new ReadableStream({
    start (c) {
      c.enqueue(new Uint8Array([1, 2]))
      c.enqueue(new Uint8Array([3]))
      c.close()
    }
  }))
  const copy = res.clone()
  const [a, b] = await Promise.all([res.bytes(), copy.bytes()])
  t.deepEqual([...a], [1, 2, 3])
  t.deepEqual([...b], [1, 2, 3])
  // Each reader gets its own bytes, not a shared buffer.
  a[0] = 99
  t.is(b[0], 1)
})

test('clone() after the body was used is a TypeError', async (t) => {
  const res = new Response('x')
  await res.text()
  t.throws(() => res.clone(), { instanceOf: TypeError })
  const locked = new Response('y')
  locked.body.getReader()
  t.throws(() => locked.clone(), { instanceOf: TypeError })
})

test("clone() keeps the guard: an error response's clone stays immutable", (t) => {
  const copy = Response.error().clone()
  t.is(copy.type, 'error')
  t.throws(() => copy.headers.set('x', 'y'), { instanceOf: TypeError })
})

/** A server with a body large enough to arrive in several chunks. */
async function bigServer (t) {
  const body = Buffer.alloc(300_000, 0x61)
  for (let i = 0; i < body.length; i += 1000) body[i] = 0x30 + (i / 1000) % 10
  const { url } = await httpServer(t, (req, res) => {
    res.setHeader('content-type', 'text/plain')
    res.setHeader('x-kind', 'network')
    res.end(body)
  })
  return { url, body }
}

test("a network response's headers are immutable, also on its clone", async (t) => {
  const { url } = await bigServer(t)
  const res = await fetch(url)
  t.throws(() => res.headers.set('x-kind', 'changed'), { instanceOf: TypeError })
  t.throws(() => res.headers.delete('x-kind'), { instanceOf: TypeError })
  const copy = res.clone()
  t.throws(() => copy.headers.append('x-b', '1'), { instanceOf: TypeError })
  t.is(res.headers.get('x-kind'), 'network')
  // A tee's cancel settles once both branches are cancelled.
  await Promise.all([res.body.cancel(), copy.body.cancel()])
})

test('clone() of a fetched response: both branches read the whole body', async (t) => {
  const { url, body } = await bigServer(t)
  const res = await fetch(url)
  const copy = res.clone()
  t.is(copy.status, 200)
  t.is(copy.url, res.url)
  t.is(copy.type, 'basic')
  t.deepEqual([...copy.headers], [...res.headers])
  const [a, b] = await Promise.all([res.arrayBuffer(), copy.arrayBuffer()])
  t.deepEqual(Buffer.from(a), body)
  t.deepEqual(Buffer.from(b), body)
  t.true(res.bodyUsed)
  t.true(copy.bodyUsed)
})

test('a cancelled branch of a cloned network response lets the other read', async (t) => {
  const { url, body } = await bigServer(t)
  for (const cancelOriginal of [false, true]) {
    const res = await fetch(url)
    const copy = res.clone()
    const [cancelled, reader] = cancelOriginal ? [res, copy] : [copy, res]
    // Not awaited: a tee branch's cancel settles when both branches are done.
    const cancelling = cancelled.body.cancel()
    t.deepEqual(Buffer.from(await reader.arrayBuffer()), body)
    await cancelling
    t.true(cancelled.bodyUsed)
  }
})

test('type, url, redirected and ok of constructed and fetched responses', async (t) => {
  const made = new Response('x', { status: 404 })
  t.is(made.type, 'default')
  t.is(made.url, '')
  t.false(made.redirected)
  t.false(made.ok)
  const { url } = await httpServer(t, (req, res) => {
    if (req.url === '/start') {
      res.writeHead(302, { location: '/end#frag' })
      return res.end()
    }
    res.end('done')
  })
  const direct = await fetch(`${url}/end#x`)
  t.is(direct.type, 'basic')
  t.is(direct.url, `${url}/end`) // the fragment is left out
  t.false(direct.redirected)
  t.true(direct.ok)
  await direct.text()
  const redirected = await fetch(`${url}/start`)
  t.is(redirected.url, `${url}/end`)
  t.true(redirected.redirected)
  t.is(await redirected.text(), 'done')
})

test('instanceof, toStringTag and the WebIDL shape of the prototype', (t) => {
  const res = new Response()
  t.true(res instanceof Response)
  t.false({} instanceof Response)
  t.false(new NodeResponse() instanceof Response)
  t.is(Object.prototype.toString.call(res), '[object Response]')
  t.throws(() => Response(), { instanceOf: TypeError })
  // Attributes and operations are enumerable, as on Node's Response;
  // events() is ferrofetch's own addition (DESIGN §1); textStream() is
  // Fetch's newer Body method (undici 8), which Node's bundled Response may
  // not have yet.
  const names = (proto) => Object.keys(proto).filter((name) => name !== 'events' && name !== 'textStream').sort()
  t.deepEqual(names(Response.prototype), names(NodeResponse.prototype))
  t.true(Object.keys(Response.prototype).includes('textStream'))
  t.throws(() => Object.getOwnPropertyDescriptor(Response.prototype, 'status').get.call({}), { instanceOf: TypeError })
})

// --- The same constructions on Node's Response and on ours -------------------

/** What a user observes of a response, or the class of what it threw. */
async function observe (make) {
  let res
  try {
    res = make()
  } catch (err) {
    return { threw: err.constructor.name }
  }
  return {
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    type: res.type,
    url: res.url,
    redirected: res.redirected,
    headers: [...res.headers],
    bodyIsNull: res.body === null,
    text: await res.text().catch((err) => `rejected ${err.constructor.name}`),
    bodyUsed: res.bodyUsed
  }
}

const comparisons = [
  ['no arguments', (R) => new R()],
  ['a string', (R) => new R('text')],
  ['an empty string', (R) => new R('')],
  ['bytes', (R) => new R(new Uint8Array([104, 105]))],
  ['a DataView', (R) => new R(new DataView(new Uint8Array([0, 104, 105, 0]).buffer, 1, 2))],
  ['a Blob with a type', (R) => new R(new Blob(['b'], { type: 'TEXT/Plain;A=B' }))],
  ['URLSearchParams', (R) => new R(new URLSearchParams([['a', '1'], ['b', 'ü']]))],
  ['a number', (R) => new R(12)],
  ['a plain object', (R) => new R({ a: 1 })],
  ['a SharedArrayBuffer (not a BufferSource)', (R) => new R(new SharedArrayBuffer(2))],
  ['a view on a SharedArrayBuffer', (R) => new R(new Uint8Array(new SharedArrayBuffer(2)))],
  ['a BOM and bad UTF-8', (R) => new R(new Uint8Array([0xef, 0xbb, 0xbf, 0x41, 0xff]))],
  ['status and statusText', (R) => new R('x', { status: 418, statusText: "I'm a teapot" })],
  ['a fractional status', (R) => new R('x', { status: 250.7 })],
  ['a status as string', (R) => new R('x', { status: '299' })],
  ['status 199', (R) => new R('x', { status: 199 })],
  ['status 600', (R) => new R('x', { status: 600 })],
  ['status 204 without a body', (R) => new R(null, { status: 204 })],
  ['status 204 with a body', (R) => new R('x', { status: 204 })],
  ['status 304 with an empty body', (R) => new R('', { status: 304 })],
  ['a bad statusText', (R) => new R('x', { statusText: 'a\nb' })],
  ['a statusText beyond Latin-1', (R) => new R('x', { statusText: 'Ā' })],
  ['headers as a record', (R) => new R('x', { headers: { 'X-B': '2', 'x-a': '1' } })],
  ['headers as pairs, content-type given', (R) => new R('x', { headers: [['content-type', 'a/b'], ['x-c', '3']] })],
  ['init null', (R) => new R('x', null)],
  ['init a number', (R) => new R('x', 1)],
  ['init a function', (R) => new R('x', () => {})],
  ['Response.error()', (R) => R.error()],
  ['Response.redirect()', (R) => R.redirect('http://example.com/x?y#z')],
  ['Response.redirect() with 308', (R) => R.redirect('http://example.com/', 308)],
  ['Response.redirect() with 200', (R) => R.redirect('http://example.com/', 200)],
  ['Response.redirect() with a relative URL', (R) => R.redirect('/x')],
  ['Response.json()', (R) => R.json({ b: [true, null] }, { status: 202, headers: { 'x-a': '1' } })],
  ['Response.json() with its own type', (R) => R.json(1, { headers: { 'content-type': 'text/json' } })],
  ['Response.json(undefined)', (R) => R.json(undefined)],
  ['clone()', (R) => new R('abc', { status: 201, headers: { a: 'b' } }).clone()]
]

// Node 24's undici takes a view on a SharedArrayBuffer as a body; BodyInit's
// BufferSource is not [AllowShared], so the standard (and Node 20 and 22)
// throw a TypeError: that is what we expect there.
const NODE_MAJOR = Number(process.versions.node.split('.')[0])
const specOutcomes = NODE_MAJOR >= 24 ? { 'a view on a SharedArrayBuffer': { threw: 'TypeError' } } : {}

for (const [what, make] of comparisons) {
  test(`same as Node's Response: ${what}`, async (t) => {
    const expected = specOutcomes[what] ?? await observe(() => make(NodeResponse))
    t.deepEqual(await observe(() => make(Response)), expected)
  })
}

test("same as Node's Response: blob() type and formData() of the same bodies", async (t) => {
  const cases = [
    ['x', { headers: { 'content-type': 'Text/HTML; Charset="utf-8"; q=1' } }],
    ['x', { headers: [['content-type', 'text/plain;charset=gbk'], ['content-type', 'text/plain']] }],
    ['x', { headers: [['content-type', 'text/plain'], ['content-type', '*/*']] }],
    ['x', { headers: { 'content-type': 'nonsense' } }],
    ['x', {}]
  ]
  for (const [body, init] of cases) {
    const ours = await new Response(body, init).blob()
    const node = await new NodeResponse(body, init).blob()
    t.is(ours.type, node.type, JSON.stringify(init))
  }
  const form = async (R) => [...await new R('a=1&b=%20', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }).formData()]
  t.deepEqual(await form(Response), await form(NodeResponse))
})
