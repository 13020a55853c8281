// Request bodies as fetch() sends them (checked by an echo server on
// 127.0.0.1) and response bodies as the Body readers return them.
import test from 'ava'
import { fetch, Request } from '../index.mjs'
import { httpServer, readBody } from './helpers/servers.mjs'

/** A server that answers with what it received: method, headers, body (base64). */
async function echoServer (t) {
  return httpServer(t, async (req, res) => {
    const body = await readBody(req)
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ method: req.method, headers: req.headers, body: body.toString('base64') }))
  })
}

/** fetch through the echo server; the received body comes back as a Buffer. */
async function echo (url, init) {
  const received = await (await fetch(url, init)).json()
  received.bytes = Buffer.from(received.body, 'base64')
  return received
}

/** What a server sees for a fixed-length body: exact Content-Length, no chunking. */
function assertFixedLength (t, received, length) {
  t.is(received.headers['content-length'], String(length))
  t.is(received.headers['transfer-encoding'], undefined)
  t.is(received.bytes.length, length)
}

/**
 * Splits a multipart/form-data body into parts: { headers: {name: value},
 * content: Buffer }. Written for the test from RFC 7578; at most 100 parts.
 */
function parseMultipart (body, contentType) {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  const delimiter = Buffer.from(`--${m[1] ?? m[2]}`)
  const parts = []
  let at = body.indexOf(delimiter)
  for (let i = 0; i < 100 && at !== -1; i++) {
    const start = at + delimiter.length
    // The close delimiter is the boundary followed by "--".
    if (body.subarray(start, start + 2).toString() === '--') return parts
    const next = body.indexOf(delimiter, start)
    // Each part starts after the delimiter's CRLF and ends before the CRLF
    // that precedes the next delimiter.
    const part = body.subarray(start + 2, next - 2)
    const split = part.indexOf('\r\n\r\n')
    const headers = {}
    for (const line of part.subarray(0, split).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    parts.push({ headers, content: part.subarray(split + 4) })
    at = next
  }
  throw new Error('multipart body without a close delimiter')
}

test('a string body is UTF-8 with text/plain;charset=UTF-8', async (t) => {
  const { url } = await echoServer(t)
  const received = await echo(url, { method: 'POST', body: 'héllo ✓' })
  t.is(received.headers['content-type'], 'text/plain;charset=UTF-8')
  t.is(received.bytes.toString('utf8'), 'héllo ✓')
  assertFixedLength(t, received, Buffer.byteLength('héllo ✓'))
})

test('an ArrayBuffer body is sent as is, without a content-type', async (t) => {
  const { url } = await echoServer(t)
  const buffer = new Uint8Array([0, 1, 2, 254, 255]).buffer
  const received = await echo(url, { method: 'PUT', body: buffer })
  t.is(received.method, 'PUT')
  t.is(received.headers['content-type'], undefined)
  t.deepEqual([...received.bytes], [0, 1, 2, 254, 255])
  assertFixedLength(t, received, 5)
})

const typedArrays = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array
]

for (const Kind of typedArrays) {
  test(`a ${Kind.name} body sends only the view's bytes`, async (t) => {
    const { url } = await echoServer(t)
    const backing = new Uint8Array(64).map((_, i) => i)
    // A view that starts 8 bytes in and covers 16 bytes of the 64.
    const view = new Kind(backing.buffer, 8, 16 / Kind.BYTES_PER_ELEMENT)
    const received = await echo(url, { method: 'POST', body: view })
    t.is(received.headers['content-type'], undefined)
    t.deepEqual(received.bytes, Buffer.from(backing.buffer, 8, 16))
    assertFixedLength(t, received, 16)
  })
}

test('a DataView with a byteOffset sends only the viewed bytes', async (t) => {
  const { url } = await echoServer(t)
  const backing = new Uint8Array([10, 20, 30, 40, 50, 60])
  const received = await echo(url, { method: 'POST', body: new DataView(backing.buffer, 2, 3) })
  t.deepEqual([...received.bytes], [30, 40, 50])
  t.is(received.headers['content-type'], undefined)
  assertFixedLength(t, received, 3)
})

test("a Blob's type becomes the content-type", async (t) => {
  const { url } = await echoServer(t)
  const received = await echo(url, { method: 'POST', body: new Blob(['<a/>'], { type: 'application/xml' }) })
  t.is(received.headers['content-type'], 'application/xml')
  t.is(received.bytes.toString(), '<a/>')
  assertFixedLength(t, received, 4)
})

test('a Blob without a type sends no content-type', async (t) => {
  const { url } = await echoServer(t)
  const received = await echo(url, { method: 'POST', body: new Blob([new Uint8Array([1, 2, 3])]) })
  t.is(received.headers['content-type'], undefined)
  t.deepEqual([...received.bytes], [1, 2, 3])
  assertFixedLength(t, received, 3)
})

test('URLSearchParams is sent urlencoded', async (t) => {
  const { url } = await echoServer(t)
  const params = new URLSearchParams({ a: '1', 'b c': 'ü&=' })
  const received = await echo(url, { method: 'POST', body: params })
  t.is(received.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8')
  t.is(received.bytes.toString(), 'a=1&b+c=%C3%BC%26%3D')
  assertFixedLength(t, received, received.bytes.length)
})

test('FormData with a field and a File is sent as multipart/form-data', async (t) => {
  const { url } = await echoServer(t)
  const form = new FormData()
  form.append('greeting', 'hello wörld')
  form.append('upload', new File([new Uint8Array([0, 13, 10, 255])], 'data.bin', { type: 'application/x-test' }))
  const received = await echo(url, { method: 'POST', body: form })
  const contentType = received.headers['content-type']
  t.regex(contentType, /^multipart\/form-data; ?boundary=/)
  assertFixedLength(t, received, received.bytes.length)
  const parts = parseMultipart(received.bytes, contentType)
  t.is(parts.length, 2)
  t.is(parts[0].headers['content-disposition'], 'form-data; name="greeting"')
  t.is(parts[0].content.toString('utf8'), 'hello wörld')
  t.is(parts[1].headers['content-disposition'], 'form-data; name="upload"; filename="data.bin"')
  t.is(parts[1].headers['content-type'], 'application/x-test')
  t.deepEqual([...parts[1].content], [0, 13, 10, 255])
})

test("the user's content-type overrides the body's type", async (t) => {
  const { url } = await echoServer(t)
  const cases = [
    ['text', 'application/x-custom'],
    [new Blob(['x'], { type: 'text/html' }), 'text/x-mine'],
    [new URLSearchParams('a=b'), 'text/plain'],
    [new Uint8Array([1]), 'application/octet-stream']
  ]
  for (const [body, type] of cases) {
    const received = await echo(url, { method: 'POST', body, headers: { 'Content-Type': type } })
    t.is(received.headers['content-type'], type)
  }
})

test('a number body is sent as its string', async (t) => {
  const { url } = await echoServer(t)
  const received = await echo(url, { method: 'POST', body: 42.5 })
  t.is(received.bytes.toString(), '42.5')
  t.is(received.headers['content-type'], 'text/plain;charset=UTF-8')
  assertFixedLength(t, received, 4)
})

test('a ReadableStream body with duplex half sends every chunk', async (t) => {
  const { url } = await echoServer(t)
  const chunks = ['one ', 'two ', 'three'].map((s) => new TextEncoder().encode(s))
  const body = new ReadableStream({
    pull (controller) {
      const next = chunks.shift()
      if (next === undefined) controller.close()
      else controller.enqueue(next)
    }
  })
  const received = await echo(url, { method: 'POST', body, duplex: 'half' })
  t.is(received.bytes.toString(), 'one two three')
  t.is(received.headers['content-type'], undefined)
})

test('an async iterable body (as Node accepts) sends strings and bytes', async (t) => {
  const { url } = await echoServer(t)
  async function * parts () {
    yield 'ab'
    yield ''
    yield new Uint8Array([99])
  }
  const received = await echo(url, { method: 'POST', body: parts(), duplex: 'half' })
  t.is(received.bytes.toString(), 'abc')
})

test('fetch(new Request(...)) sends its body and marks the Request used', async (t) => {
  const { url } = await echoServer(t)
  const request = new Request(url, { method: 'POST', body: 'from a request', headers: { 'x-extra': '1' } })
  t.false(request.bodyUsed)
  const received = await (await fetch(request)).json()
  t.is(received.method, 'POST')
  t.is(Buffer.from(received.body, 'base64').toString(), 'from a request')
  t.is(received.headers['content-type'], 'text/plain;charset=UTF-8')
  t.is(received.headers['x-extra'], '1')
  t.true(request.bodyUsed)
  // Its body went with the first fetch: a second one cannot send it.
  await t.throwsAsync(fetch(request), { instanceOf: TypeError })
})

test('fetch(request, init) with a body of its own leaves the request unused', async (t) => {
  const { url } = await echoServer(t)
  const request = new Request(url, { method: 'POST', body: 'original' })
  const received = await echo(request, { body: 'replacement' })
  t.is(received.bytes.toString(), 'replacement')
  t.false(request.bodyUsed)
  t.is(await request.text(), 'original')
})

// --- Response bodies ---------------------------------------------------------

/** A server that answers each path with fixed headers and body bytes. */
async function fixedServer (t, routes) {
  return httpServer(t, (req, res) => {
    const route = routes[req.url]
    if (route === undefined) {
      res.writeHead(404)
      return res.end()
    }
    res.writeHead(route.status ?? 200, route.headers ?? {})
    res.end(route.body)
  })
}

test('text() decodes UTF-8 and strips one BOM', async (t) => {
  const { url } = await fixedServer(t, {
    '/bom': { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Grüße ✓')]) },
    '/two-boms': { body: Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x61]) },
    '/invalid': { body: Buffer.from([0x61, 0xff, 0x62]) }
  })
  t.is(await (await fetch(`${url}/bom`)).text(), 'Grüße ✓')
  t.is(await (await fetch(`${url}/two-boms`)).text(), '\ufeffa')
  t.is(await (await fetch(`${url}/invalid`)).text(), 'a\ufffdb')
})

test('json() parses, and rejects a malformed body with SyntaxError', async (t) => {
  const { url } = await fixedServer(t, {
    '/good': { body: '\ufeff{"a":[1,"ü"]}' },
    '/bad': { body: '{"a":' }
  })
  t.deepEqual(await (await fetch(`${url}/good`)).json(), { a: [1, 'ü'] })
  await t.throwsAsync((await fetch(`${url}/bad`)).json(), { instanceOf: SyntaxError })
})

test('formData() reads a multipart response', async (t) => {
  const body = [
    '--b0undary',
    'Content-Disposition: form-data; name="greeting"',
    '',
    'hello',
    '--b0undary',
    'Content-Disposition: form-data; name="upload"; filename="f.txt"',
    'Content-Type: text/plain',
    '',
    'file contents',
    '--b0undary--',
    ''
  ].join('\r\n')
  const { url } = await fixedServer(t, {
    '/': { headers: { 'content-type': 'multipart/form-data; boundary=b0undary' }, body }
  })
  const form = await (await fetch(url + '/')).formData()
  t.is(form.get('greeting'), 'hello')
  const file = form.get('upload')
  t.true(file instanceof File)
  t.is(file.name, 'f.txt')
  t.is(file.type, 'text/plain')
  t.is(await file.text(), 'file contents')
})

test('formData() reads an urlencoded response, and rejects other types', async (t) => {
  const { url } = await fixedServer(t, {
    '/form': { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=%C3%BC&a=2' },
    '/text': { headers: { 'content-type': 'text/plain' }, body: 'a=1' }
  })
  const form = await (await fetch(`${url}/form`)).formData()
  t.deepEqual(form.getAll('a'), ['1', '2'])
  t.is(form.get('b'), 'ü')
  await t.throwsAsync((await fetch(`${url}/text`)).formData(), { instanceOf: TypeError })
})

test('blob() takes its type from the parsed, normalized Content-Type', async (t) => {
  const { url } = await fixedServer(t, {
    '/': { headers: { 'content-type': 'Text/HTML; Charset="utf-8"' }, body: '<p>' },
    '/bogus': { headers: { 'content-type': 'not a mime type' }, body: 'x' }
  })
  const blob = await (await fetch(url + '/')).blob()
  t.is(blob.type, 'text/html;charset=utf-8')
  t.is(await blob.text(), '<p>')
  t.is((await (await fetch(`${url}/bogus`)).blob()).type, '')
})

test('the body of a HEAD response and of a 204 is null', async (t) => {
  const { url } = await fixedServer(t, {
    '/': { headers: { 'content-type': 'text/plain' }, body: 'ignored for HEAD' },
    '/204': { status: 204 }
  })
  const head = await fetch(url + '/', { method: 'HEAD' })
  t.is(head.status, 200)
  t.is(head.body, null)
  t.is(await head.text(), '')
  t.false(head.bodyUsed)
  const empty = await fetch(`${url}/204`)
  t.is(empty.status, 204)
  t.is(empty.body, null)
  t.deepEqual(await empty.arrayBuffer(), new ArrayBuffer(0))
})

test('bodyUsed flips on reading, and a second read rejects with TypeError', async (t) => {
  const { url } = await fixedServer(t, { '/': { body: 'once' } })
  const readers = ['text', 'json', 'arrayBuffer', 'bytes', 'blob', 'formData']
  for (const first of ['text', 'arrayBuffer', 'bytes', 'blob']) {
    const res = await fetch(url + '/')
    t.false(res.bodyUsed)
    await res[first]()
    t.true(res.bodyUsed, first)
    for (const second of readers) {
      await t.throwsAsync(res[second](), { instanceOf: TypeError }, `${first} then ${second}`)
    }
  }
  // Reading through the stream counts too.
  const res = await fetch(url + '/')
  for await (const chunk of res.body) t.true(chunk.length > 0)
  t.true(res.bodyUsed)
  await t.throwsAsync(res.text(), { instanceOf: TypeError })
})

test('after text() the body is a disturbed, locked stream, not the bytes again', async (t) => {
  const { url } = await fixedServer(t, { '/': { body: 'gone' } })
  const res = await fetch(url + '/')
  await res.text()
  t.true(res.body.locked)
})

// Sequences the Encoding Standard's UTF-8 decoder replaces, each one way:
// truncated, overlong, surrogates, above U+10FFFF, stray continuations.
const INVALID_UTF8 = [
  [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80, 0xbf], [0xfe, 0xff], [0xc2]
]

test('text() and json() of a body that is all in decode invalid UTF-8 as Node\'s fetch does', async (t) => {
  const routes = { '/bom-ascii': { body: Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]) } }
  INVALID_UTF8.forEach((bytes, i) => {
    routes[`/bad${i}`] = { body: Buffer.from([0x61, ...bytes, 0x62, 0xc3, 0xbc]) }
  })
  const { url } = await fixedServer(t, routes)
  for (const path of Object.keys(routes)) {
    const theirs = await (await globalThis.fetch(url + path)).text()
    t.is(await (await fetch(url + path)).text(), theirs, path)
  }
  t.deepEqual(await (await fetch(`${url}/bom-ascii`)).json(), {})
  await t.throwsAsync((await fetch(`${url}/bad0`)).json(), { instanceOf: SyntaxError })
})
