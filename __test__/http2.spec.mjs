// HTTP/2: negotiated by ALPN over TLS, multiplexed, streamed uploads as
// DATA frames, cleartext h2c by prior knowledge, and `http: 'http1'`.
import test from 'ava'
import http2 from 'node:http2'
import { Client } from '../index.mjs'
import { certs } from './helpers/certs.mjs'
import { listenOnLoopback, readBody } from './helpers/servers.mjs'

/**
 * An HTTP/2 server on 127.0.0.1 (TLS unless `cleartext`), using the
 * compatibility API. Counts sessions (one per connection) and records the
 * HTTP version of every request.
 */
async function h2Server (t, { cleartext = false, allowHTTP1 = false } = {}, handler = (req, res) => res.end('ok')) {
  const stats = { sessions: 0, versions: [] }
  const onRequest = (req, res) => {
    stats.versions.push(req.httpVersion)
    handler(req, res)
  }
  const server = cleartext
    ? http2.createServer(onRequest)
    : http2.createSecureServer({ key: certs().server.key, cert: certs().server.cert, allowHTTP1 }, onRequest)
  const sessions = new Set()
  server.on('session', (session) => {
    stats.sessions++
    sessions.add(session)
    session.on('close', () => sessions.delete(session))
  })
  const { port } = await listenOnLoopback(t, server, () => {
    for (const s of sessions) s.destroy()
  })
  const scheme = cleartext ? 'http' : 'https'
  return { url: `${scheme}://127.0.0.1:${port}`, stats }
}

const trusting = (options = {}) => new Client({ tls: { ca: certs().ca }, ...options })

test('HTTP/2 is negotiated by ALPN over TLS', async (t) => {
  const { url, stats } = await h2Server(t)
  const res = await trusting().fetch(url)
  t.is(await res.text(), 'ok')
  t.deepEqual(stats.versions, ['2.0'])
})

// hyper-util learns that an origin speaks HTTP/2 only when a TLS handshake
// has negotiated it; the core lets the first request to an origin go alone
// so that a cold burst still shares one connection.
test('a cold burst of 50 requests is multiplexed on the one HTTP/2 connection ALPN set up', async (t) => {
  const { url, stats } = await h2Server(t, {}, (req, res) => res.end(req.url))
  const client = trusting()
  const paths = Array.from({ length: 50 }, (_, i) => `/r${i}`)
  const bodies = await Promise.all(paths.map(async (p) => (await client.fetch(url + p)).text()))
  t.deepEqual(bodies, paths)
  t.is(stats.versions.length, 50)
  t.true(stats.versions.every((v) => v === '2.0'))
  t.is(stats.sessions, 1)
})

test('a streamed upload (ReadableStream, duplex half) arrives intact over HTTP/2', async (t) => {
  const { url, stats } = await h2Server(t, {}, async (req, res) => {
    const body = await readBody(req)
    res.end(JSON.stringify({ length: body.length, sum: body.reduce((a, b) => (a + b) % 65521, 0) }))
  })
  const chunks = Array.from({ length: 64 }, (_, i) => new Uint8Array(16 * 1024).fill(i))
  let next = 0
  const stream = new ReadableStream({
    pull (controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++])
      else controller.close()
    }
  })
  const res = await trusting().fetch(url, { method: 'POST', body: stream, duplex: 'half' })
  const expected = chunks.reduce((acc, c) => ({
    length: acc.length + c.length,
    sum: c.reduce((a, b) => (a + b) % 65521, acc.sum)
  }), { length: 0, sum: 0 })
  t.deepEqual(await res.json(), expected)
  t.deepEqual(stats.versions, ['2.0'])
})

test("h2c: http: 'http2' speaks HTTP/2 over cleartext by prior knowledge", async (t) => {
  const { url, stats } = await h2Server(t, { cleartext: true }, (req, res) => res.end(`hello ${req.method}`))
  const client = new Client({ http: 'http2' })
  t.is(await (await client.fetch(url)).text(), 'hello GET')
  t.is(await (await client.fetch(url, { method: 'POST', body: 'x' })).text(), 'hello POST')
  t.deepEqual(stats.versions, ['2.0', '2.0'])
  t.is(stats.sessions, 1)
})

test('h2c: 50 concurrent requests on a new client share one connection (prior knowledge)', async (t) => {
  const { url, stats } = await h2Server(t, { cleartext: true }, (req, res) => res.end(req.url))
  const client = new Client({ http: 'http2' })
  const paths = Array.from({ length: 50 }, (_, i) => `/r${i}`)
  const bodies = await Promise.all(paths.map(async (p) => (await client.fetch(url + p)).text()))
  t.deepEqual(bodies, paths)
  t.is(stats.versions.length, 50)
  t.is(stats.sessions, 1)
})

test("without http: 'http2' a cleartext HTTP/2-only server is not spoken to in HTTP/2", async (t) => {
  const { url, stats } = await h2Server(t, { cleartext: true })
  const err = await new Client().fetch(url).then(() => null, (e) => e)
  t.true(err instanceof TypeError)
  t.deepEqual(stats.versions, [])
})

test("http: 'http2' over TLS speaks HTTP/2 without waiting for ALPN to choose", async (t) => {
  const { url, stats } = await h2Server(t)
  const res = await trusting({ http: 'http2' }).fetch(url)
  t.is(await res.text(), 'ok')
  t.deepEqual(stats.versions, ['2.0'])
})

test("http: 'http1' uses HTTP/1.1 with a TLS server that offers both", async (t) => {
  const { url, stats } = await h2Server(t, { allowHTTP1: true })
  const res = await trusting({ http: 'http1' }).fetch(url)
  t.is(await res.text(), 'ok')
  t.deepEqual(stats.versions, ['1.1'])
})

test("http: 'auto' picks HTTP/2 with a TLS server that offers both", async (t) => {
  const { url, stats } = await h2Server(t, { allowHTTP1: true })
  const res = await trusting().fetch(url)
  t.is(await res.text(), 'ok')
  t.deepEqual(stats.versions, ['2.0'])
})
