// `retry`: opt-in retries in ky's and got's vocabulary. Every test counts
// the requests a loopback server really received.
import test from 'ava'
import { fetch, Client } from '../index.mjs'
import { httpServer, tcpServer, readBody } from './helpers/servers.mjs'
import { settle } from './helpers/differential.mjs'

/** No waiting between attempts, so the tests count requests, not time. */
const quick = (options) => ({ delay: () => 0, jitter: false, ...options })

/** A server answering with `statuses` in turn (the last one repeats), counting requests and keeping their bodies. */
async function statusServer (t, statuses, headers = {}) {
  const seen = []
  const { url } = await httpServer(t, async (req, res) => {
    const body = await readBody(req)
    seen.push({ method: req.method, body, at: Date.now() })
    const status = statuses[Math.min(seen.length - 1, statuses.length - 1)]
    const extra = typeof headers === 'function' ? headers(seen.length) : headers
    res.writeHead(status, status === 200 ? {} : extra)
    res.end(status === 200 ? 'ok' : `status ${status}`)
  })
  return { url, seen }
}

test('without retry a failing status is returned at once, as Node’s fetch does', async (t) => {
  const { url, seen } = await statusServer(t, [503])
  const ours = await fetch(url)
  const nodes = await globalThis.fetch(url)
  t.is(ours.status, nodes.status)
  t.is(await ours.text(), await nodes.text())
  t.is(seen.length, 2, 'one request each')
})

test('retry.limit retries a 503 that many times and returns the last response', async (t) => {
  const { url, seen } = await statusServer(t, [503])
  const res = await fetch(url, { retry: quick({ limit: 2 }) })
  t.is(res.status, 503)
  t.is(await res.text(), 'status 503')
  t.is(seen.length, 3)
})

test('a number is the retry limit, as ky takes it; retrying stops at the first success', async (t) => {
  const { url, seen } = await statusServer(t, [500, 502, 200, 500])
  const res = await fetch(url, { retry: 5, client: new Client({ retry: quick({ limit: 0 }) }) })
  t.is(res.status, 200)
  t.is(await res.text(), 'ok')
  t.is(seen.length, 3)
})

test('statuses outside retry.statusCodes are not retried', async (t) => {
  const { url, seen } = await statusServer(t, [404])
  const res = await fetch(url, { retry: quick({ limit: 3 }) })
  t.is(res.status, 404)
  t.is(seen.length, 1)
  const custom = await statusServer(t, [404, 200])
  const again = await fetch(custom.url, { retry: quick({ limit: 3, statusCodes: [404] }) })
  t.is(again.status, 200)
  t.is(custom.seen.length, 2)
})

test('POST is not retried by default; with retry.methods its bytes body is sent again', async (t) => {
  const { url, seen } = await statusServer(t, [503, 200])
  const res = await fetch(url, { method: 'POST', body: 'payload', retry: quick({ limit: 2 }) })
  t.is(res.status, 503)
  t.is(seen.length, 1)
  const other = await statusServer(t, [503, 200])
  const ok = await fetch(other.url, { method: 'POST', body: 'payload', retry: quick({ limit: 2, methods: ['post'] }) })
  t.is(ok.status, 200)
  t.deepEqual(other.seen.map((r) => r.body.toString()), ['payload', 'payload'])
})

test('a large Blob body is read again from its start for each attempt', async (t) => {
  const { url, seen } = await statusServer(t, [503, 200])
  const bytes = Buffer.alloc(3 * 1024 * 1024, 7)
  bytes[0] = 1
  bytes[bytes.length - 1] = 9
  const res = await fetch(url, { method: 'PUT', body: new Blob([bytes]), retry: quick({ limit: 1 }) })
  t.is(res.status, 200)
  t.is(seen.length, 2)
  for (const request of seen) t.true(request.body.equals(bytes))
})

test('a request with a streamed body is never retried', async (t) => {
  const { url, seen } = await statusServer(t, [503, 200])
  const body = new ReadableStream({
    start (c) {
      c.enqueue(new TextEncoder().encode('streamed'))
      c.close()
    }
  })
  const res = await fetch(url, { method: 'PUT', body, duplex: 'half', retry: quick({ limit: 3 }) })
  t.is(res.status, 503)
  t.is(seen.length, 1)
  t.is(seen[0].body.toString(), 'streamed')
})

test('a network failure before the response head is retried with a new connection', async (t) => {
  let connections = 0
  const { url } = await tcpServer(t, (socket) => {
    connections++
    if (connections < 3) return socket.destroy()
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'))
  })
  const res = await fetch(url, { retry: quick({ limit: 2 }) })
  t.is(await res.text(), 'ok')
  t.is(connections, 3)
})

test('a network failure after the last retry rejects as without retry', async (t) => {
  let connections = 0
  const { url } = await tcpServer(t, (socket) => {
    connections++
    socket.destroy()
  })
  const err = await settle(fetch(url, { retry: quick({ limit: 1 }) }))
  t.true(err instanceof TypeError)
  t.is(err.message, 'fetch failed')
  t.is(connections, 2)
})

test('Retry-After in seconds is waited for before the next attempt', async (t) => {
  const { url, seen } = await statusServer(t, [429, 200], { 'retry-after': '1' })
  const res = await fetch(url, { retry: quick({ limit: 1 }) })
  t.is(res.status, 200)
  t.is(seen.length, 2)
  // A timer never fires early: the second request came after the second
  // the server asked for (Date has ms resolution, allow its rounding).
  t.true(seen[1].at - seen[0].at >= 990, `waited ${seen[1].at - seen[0].at} ms`)
})

test('Retry-After as an HTTP date is waited for until that date', async (t) => {
  let date = null
  const { url, seen } = await statusServer(t, [503, 200], (n) => {
    // Two seconds ahead, truncated to the second by the date format: at
    // least one second from now.
    if (n === 1) date = new Date(Date.now() + 2000).toUTCString()
    return { 'retry-after': date }
  })
  const res = await fetch(url, { retry: quick({ limit: 1 }) })
  t.is(res.status, 200)
  t.is(seen.length, 2)
  t.true(seen[1].at >= Date.parse(date) - 10, 'not before the date')
})

test('a Retry-After over retry.maxRetryAfter waits maxRetryAfter instead, as ky does', async (t) => {
  const { url, seen } = await statusServer(t, [503, 200], { 'retry-after': '120' })
  const res = await fetch(url, { retry: quick({ limit: 3, maxRetryAfter: 200 }) })
  t.is(res.status, 200)
  t.is(seen.length, 2)
  t.true(seen[1].at - seen[0].at >= 190, 'waited the cap, not nothing')
  const dated = await statusServer(t, [429, 200], () => ({ 'retry-after': new Date(Date.now() + 3600e3).toUTCString() }))
  t.is((await fetch(dated.url, { retry: quick({ limit: 3, maxRetryAfter: 200 }) })).status, 200)
  t.is(dated.seen.length, 2)
})

test('a 413 is retried only when it says Retry-After', async (t) => {
  const plain = await statusServer(t, [413, 200])
  t.is((await fetch(plain.url, { retry: quick({ limit: 2 }) })).status, 413)
  t.is(plain.seen.length, 1)
  const after = await statusServer(t, [413, 200], { 'retry-after': '0' })
  t.is((await fetch(after.url, { retry: quick({ limit: 2 }) })).status, 200)
  t.is(after.seen.length, 2)
})

test('retry.delay and retry.backoffLimit set the backoff between attempts', async (t) => {
  const { url, seen } = await statusServer(t, [500, 500, 200])
  const asked = []
  const res = await fetch(url, {
    retry: { limit: 2, jitter: false, backoffLimit: 50, delay: (n) => { asked.push(n); return 10_000 } }
  })
  t.is(res.status, 200)
  t.deepEqual(asked, [1, 2], 'attempt counts start at 1')
  t.is(seen.length, 3)
})

test('an abort during the wait between attempts rejects at once with the signal’s reason', async (t) => {
  const { url, seen } = await statusServer(t, [503], { 'retry-after': '60' })
  const controller = new AbortController()
  const pending = fetch(url, { signal: controller.signal, retry: { limit: 3 } })
  // Bounded: the first request arrives within the test's timeout.
  while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
  controller.abort()
  const err = await settle(pending)
  t.is(err.name, 'AbortError')
  t.is(seen.length, 1)
})

test('the timeout spans all attempts: running out during a wait rejects with TimeoutError', async (t) => {
  const { url, seen } = await statusServer(t, [503], { 'retry-after': '60' })
  const err = await settle(fetch(url, { timeout: 300, retry: { limit: 3 } }))
  t.true(err instanceof DOMException)
  t.is(err.name, 'TimeoutError')
  t.is(err.cause?.code, 'ERR_FF_TIMEOUT')
  t.is(seen.length, 1)
})

test('a Client default retry applies to its requests, and retry: 0 in the init turns it off', async (t) => {
  const { url, seen } = await statusServer(t, [503, 200])
  const client = new Client({ retry: quick({ limit: 1 }) })
  t.is((await client.fetch(url)).status, 200)
  t.is(seen.length, 2)
  const off = await statusServer(t, [503, 200])
  t.is((await client.fetch(off.url, { retry: 0 })).status, 503)
  t.is(off.seen.length, 1)
})

test('an invalid retry option is a TypeError or RangeError before any request', async (t) => {
  const { url, seen } = await statusServer(t, [200])
  const cases = [
    [{ limit: 1.5 }, TypeError],
    [{ limit: -1 }, RangeError],
    ['3', TypeError],
    [{ limit: 1, methods: 'GET' }, TypeError],
    [{ limit: 1, statusCodes: ['500'] }, TypeError],
    [{ limit: 1, delay: 5 }, TypeError],
    [{ limit: 1, maxRetryAfter: -5 }, RangeError],
    [{ limit: 1, jitter: 'yes' }, TypeError]
  ]
  for (const [retry, type] of cases) {
    t.true(await settle(fetch(url, { retry })) instanceof type, JSON.stringify(retry))
  }
  t.throws(() => new Client({ retry: { limit: -1 } }), { instanceOf: RangeError })
  t.is(seen.length, 0)
})
