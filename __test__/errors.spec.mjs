import test from 'ava'
import { fetch } from '../index.mjs'
import { httpServer, tcpServer, closedPort } from './helpers/servers.mjs'
import { settle } from './helpers/differential.mjs'
import { runNodeWith, lastJson } from './helpers/child.mjs'

test('a refused connection is TypeError fetch failed with ECONNREFUSED', async (t) => {
  const err = await settle(fetch(`http://127.0.0.1:${await closedPort()}/`))
  t.true(err instanceof TypeError)
  t.is(err.message, 'fetch failed')
  t.is(err.cause.code, 'ECONNREFUSED')
})

test('an unresolvable host is ENOTFOUND', async (t) => {
  const err = await settle(fetch('http://ferrofetch-test.invalid/'))
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ENOTFOUND')
})

test('a connection reset mid-body errors the body with ECONNRESET', async (t) => {
  const { url } = await tcpServer(t, (socket) => socket.once('data', () => {
    socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial')
    setTimeout(() => socket.resetAndDestroy(), 50)
  }))
  const res = await fetch(url)
  const err = await settle(res.text())
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ECONNRESET')
})

test('a body shorter than its Content-Length never looks complete', async (t) => {
  const { url } = await tcpServer(t, (socket) => socket.once('data', () => {
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this')
  }))
  const res = await fetch(url)
  const err = await settle(res.text())
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ERR_FF_INCOMPLETE_BODY')
})

test('a garbage status line is a protocol error', async (t) => {
  const { url } = await tcpServer(t, (socket) => socket.once('data', () => socket.end('SMTP ready\r\n\r\n')))
  const err = await settle(fetch(url))
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ERR_FF_PROTOCOL')
})

test('an unsupported scheme is TypeError fetch failed', async (t) => {
  const err = await settle(fetch('ftp://127.0.0.1/file'))
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ERR_FF_UNSUPPORTED_SCHEME')
})

// Each of these must reject with the named error class before any request
// reaches the server.
const invalid = [
  ['a relative URL', '/path', undefined, TypeError],
  ['an unparsable URL', 'http://[::1', undefined, TypeError],
  ['credentials in the URL', 'http://user:pw@127.0.0.1/', undefined, TypeError],
  ['a method that is not a token', null, { method: 'GE T' }, TypeError],
  ['a forbidden method', null, { method: 'CONNECT' }, TypeError],
  ['a header name with a space', null, { headers: { 'bad name': 'x' } }, TypeError],
  ['a header value with CR LF', null, { headers: { 'x-a': 'a\r\nb' } }, TypeError],
  ['a header value beyond Latin-1', null, { headers: { 'x-a': '\u2603' } }, TypeError],
  ['a GET with a body', null, { body: 'x' }, TypeError],
  ['a HEAD with a body', null, { method: 'HEAD', body: 'x' }, TypeError],
  ['an unknown redirect mode', null, { redirect: 'sometimes' }, TypeError],
  ['a signal that is not an AbortSignal', null, { signal: {} }, TypeError],
  ['a stream body without duplex', null, { method: 'POST', body: new ReadableStream() }, TypeError],
  ['duplex other than half', null, { method: 'POST', body: 'x', duplex: 'full' }, TypeError],
  ['a non-numeric timeout', null, { timeout: '10' }, TypeError],
  ['a negative timeout', null, { timeout: -1 }, RangeError],
  ['an infinite readTimeout', null, { readTimeout: Infinity }, RangeError],
  ['a NaN connectTimeout', null, { connectTimeout: NaN }, TypeError],
  ['a client that is not a Client', null, { client: {} }, TypeError],
  ['init that is not an object', null, 42, TypeError]
]

for (const [what, input, init, ErrorClass] of invalid) {
  test(`fetch rejects ${what} with ${ErrorClass.name} before any I/O`, async (t) => {
    let requests = 0
    const { url } = await httpServer(t, (req, res) => { requests++; res.end() })
    const target = input === null ? url : input
    const err = await settle(fetch(target, init))
    t.true(err instanceof ErrorClass, `got ${err}`)
    t.is(requests, 0)
  })
}

/**
 * Runs `body` in a fresh Node process with the panic hooks enabled or not
 * (FERROFETCH_TEST_PANIC is read once per process), beside a loopback
 * server answering 'fine' that records the x-ferrofetch-test-panic header it
 * receives; `body` sees `fetch`, `binding`, `url` and `out`, and `out` is
 * returned as printed by the child.
 */
async function inChildProcess ({ panicHooks }, body) {
  const script = `
    const http = require('node:http')
    const { fetch } = require(${JSON.stringify(new URL('../index.js', import.meta.url).pathname)})
    const binding = require(${JSON.stringify(new URL('../ferrofetch.node', import.meta.url).pathname)})
    const out = { headersSeen: [] }
    const server = http.createServer((req, res) => {
      out.headersSeen.push(req.headers['x-ferrofetch-test-panic'] ?? null)
      res.end('fine')
    }).listen(0, '127.0.0.1', async () => {
      const url = 'http://127.0.0.1:' + server.address().port
      ${body}
      server.close()
      console.log(JSON.stringify(out))
    })`
  const env = { ...process.env }
  delete env.FERROFETCH_TEST_PANIC
  if (panicHooks) env.FERROFETCH_TEST_PANIC = '1'
  return lastJson(await runNodeWith(['-e', script], { env, timeoutMs: 30_000 }))
}

test('a panic in the native code becomes a JS error and the process survives', async (t) => {
  const out = await inChildProcess({ panicHooks: true }, `
      try { binding.testPanic() } catch (e) { out.sync = e.message }
      try { await fetch(url, { headers: { 'x-ferrofetch-test-panic': '1' } }) } catch (e) { out.task = e.code }
      out.after = await (await fetch(url)).text()`)
  t.regex(out.sync, /panic/)
  t.is(out.task, 'ERR_FF_INTERNAL')
  t.is(out.after, 'fine')
})

test('without FERROFETCH_TEST_PANIC=1 the panic hooks do nothing: testPanic() returns and the header is sent like any other', async (t) => {
  // The hooks ship in every build (the suite tests the addon users get);
  // this process variable is what keeps a header from crashing a program.
  const out = await inChildProcess({ panicHooks: false }, `
      out.sync = binding.testPanic() ?? null
      out.body = await (await fetch(url, { headers: { 'x-ferrofetch-test-panic': '1' } })).text()`)
  t.deepEqual(out, { sync: null, body: 'fine', headersSeen: ['1'] })
})
