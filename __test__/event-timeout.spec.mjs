// eventTimeout: the longest gap between two events (comments and
// retry-only blocks do not count). events() and EventSource reconnect with
// Last-Event-ID; response.events() ends with a TimeoutError. The server
// sees the connection close either way.
import test from 'ava'
import { once } from 'node:events'
import { events, fetch, EventSource, Client, Response } from '../index.mjs'
import { SSE_HEAD, sseServer, record } from './helpers/sse.mjs'
import { settle } from './helpers/differential.mjs'

/**
 * Connection 1: an event with id 1, then only comments and retry-only
 * blocks (the stream stays busy, readTimeout would never trip). Later
 * connections: an event per connection, then silence. `closed[n]`
 * resolves when connection n closes.
 */
async function stallingServer (t) {
  const closed = []
  const server = await sseServer(t, (req, res, n) => {
    closed[n] = once(res, 'close')
    res.writeHead(200, SSE_HEAD)
    if (n > 1) return res.write(`data: again ${n}\n\n`)
    res.write('retry: 20\nid: 1\ndata: first\n\n')
    let beat = 0
    const timer = setInterval(() => res.write(beat++ % 2 ? ': keep-alive\n\n' : 'retry: 20\n\n'), 30)
    res.on('close', () => clearInterval(timer))
  })
  return { ...server, closed }
}

/** The data of the first two events of `stream`, which then stops. */
async function firstTwoData (stream) {
  const seen = []
  for await (const ev of stream) {
    seen.push(ev.data)
    if (seen.length === 2) break
  }
  return seen
}

function assertEventTimeout (t, err) {
  t.true(err instanceof DOMException, `expected a DOMException, got ${err}`)
  t.is(err.name, 'TimeoutError')
  t.is(err.cause?.code, 'ERR_FF_EVENT_TIMEOUT')
}

test('events(): a stream of comments and retry-only blocks times out and reconnects with Last-Event-ID', async (t) => {
  const server = await stallingServer(t)
  const stream = events(server.url, { eventTimeout: 300, readTimeout: 5000 })
  t.teardown(() => stream.close())
  t.deepEqual(await firstTwoData(stream), ['first', 'again 2'])
  t.is(server.requests.length, 2)
  t.is(server.requests[1].headers['last-event-id'], '1')
  await server.closed[1]
  t.pass('the server saw the stalled connection close')
})

test('a stream with steady events never times out', async (t) => {
  const server = await sseServer(t, (req, res) => {
    res.writeHead(200, SSE_HEAD)
    let n = 0
    const timer = setInterval(() => {
      res.write(`: comment\n\ndata: ${n++}\n\n`)
      if (n === 15) {
        clearInterval(timer)
        res.end()
      }
    }, 40)
    res.on('close', () => clearInterval(timer))
  })
  const res = await fetch(server.url)
  const seen = []
  for await (const ev of res.events({ eventTimeout: 400 })) seen.push(ev.data)
  t.is(seen.length, 15)
  t.is(server.requests.length, 1)
})

test('response.events({ eventTimeout }) ends with a TimeoutError and closes the connection', async (t) => {
  const server = await stallingServer(t)
  const res = await fetch(server.url)
  const iterator = res.events({ eventTimeout: 300 })
  t.is((await iterator.next()).value.data, 'first')
  assertEventTimeout(t, await settle(iterator.next()))
  await server.closed[1]
  t.true((await iterator.next()).done, 'the iterator is over')
})

test('EventSource: a stalled stream fires error, goes CONNECTING and reconnects with Last-Event-ID', async (t) => {
  const server = await stallingServer(t)
  const es = new EventSource(server.url, { eventTimeout: 300 })
  const { log, until } = record(t, es)
  await until((entries) => entries.filter(([type]) => type === 'message').length === 2)
  t.deepEqual(log, [
    ['open', EventSource.OPEN],
    ['message', EventSource.OPEN, 'first', '1'],
    ['error', EventSource.CONNECTING, undefined],
    ['open', EventSource.OPEN],
    ['message', EventSource.OPEN, 'again 2', '1']
  ])
  t.is(server.requests[1].headers['last-event-id'], '1')
  await server.closed[1]
})

test('EventSource over another fetch (a body fed from JS) times out the same way', async (t) => {
  const server = await stallingServer(t)
  const es = new EventSource(server.url, { eventTimeout: 300, fetch: globalThis.fetch })
  const { log, until } = record(t, es)
  await until((entries) => entries.filter(([type]) => type === 'message').length === 2)
  t.deepEqual(log.map(([type, state]) => [type, state]), [
    ['open', EventSource.OPEN], ['message', EventSource.OPEN],
    ['error', EventSource.CONNECTING],
    ['open', EventSource.OPEN], ['message', EventSource.OPEN]
  ])
  t.is(server.requests[1].headers['last-event-id'], '1')
  await server.closed[1]
})

test('a Response over a JS stream times out with the same error', async (t) => {
  let cancelled = false
  const body = new ReadableStream({
    start (c) { c.enqueue(new TextEncoder().encode('data: one\n\n: then nothing but this\n\n')) },
    cancel () { cancelled = true }
  })
  const iterator = new Response(body).events({ eventTimeout: 200 })
  t.is((await iterator.next()).value.data, 'one')
  assertEventTimeout(t, await settle(iterator.next()))
  t.true(cancelled, 'the stream was cancelled')
})

test('a Client eventTimeout is the default of its events() and of its responses’ events()', async (t) => {
  const client = new Client({ eventTimeout: 300 })
  const server = await stallingServer(t)
  const stream = client.events(server.url)
  t.teardown(() => stream.close())
  t.deepEqual(await firstTwoData(stream), ['first', 'again 2'])
  const other = await stallingServer(t)
  const iterator = (await client.fetch(other.url)).events()
  t.is((await iterator.next()).value.data, 'first')
  assertEventTimeout(t, await settle(iterator.next()))
})

test('an explicit eventTimeout of 0 turns a Client default off', async (t) => {
  const client = new Client({ eventTimeout: 200 })
  const server = await sseServer(t, (req, res) => {
    res.writeHead(200, SSE_HEAD)
    res.write('data: one\n\n')
    // Comments only for longer than the client's limit, then an event.
    const timer = setInterval(() => res.write(': ping\n\n'), 50)
    setTimeout(() => {
      clearInterval(timer)
      res.end('data: two\n\n')
    }, 700)
    res.on('close', () => clearInterval(timer))
  })
  const seen = []
  for await (const ev of (await client.fetch(server.url)).events({ eventTimeout: 0 })) seen.push(ev.data)
  t.deepEqual(seen, ['one', 'two'])
})

test('the timer runs in Rust: idle streams with eventTimeout add no JS timers', async (t) => {
  const server = await sseServer(t, (req, res) => {
    res.writeHead(200, SSE_HEAD)
    res.write(': idle\n\n')
  })
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  const before = timers()
  const iterators = []
  for (let i = 0; i < 20; i++) {
    const it = (await fetch(server.url)).events({ eventTimeout: 60_000 })
    iterators.push(it)
    it.next().catch(() => {})
  }
  t.true(timers() - before < 20, `${timers() - before} timers for 20 streams`)
  for (const it of iterators) await it.return()
})

test('invalid eventTimeout values are errors before any request', async (t) => {
  const server = await sseServer(t, (req, res) => res.end())
  t.throws(() => events(server.url, { eventTimeout: 'soon' }), { instanceOf: TypeError })
  t.throws(() => events(server.url, { eventTimeout: -1 }), { instanceOf: RangeError })
  t.throws(() => new EventSource(server.url, { eventTimeout: Infinity }), { instanceOf: RangeError })
  t.throws(() => new Client({ eventTimeout: NaN }), { instanceOf: TypeError })
  t.throws(() => new Response('').events({ eventTimeout: '1' }), { instanceOf: TypeError })
  t.is(server.requests.length, 0)
})
