// EventSource (HTML §9.2.2–9.2.5): connection, dispatch, reconnection,
// failure, close(), the init extensions (fetch, headers, method, body), and
// side-by-side runs against the npm `eventsource` package. Every server is
// real, on 127.0.0.1; waits end on events, never on elapsed time.
import test from 'ava'
import http from 'node:http'
import { runNode } from './helpers/child.mjs'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { EventSource as NpmEventSource } from 'eventsource'
import { SSE_HEAD, sseServer, record, next, scenario } from './helpers/sse.mjs'

const require = createRequire(import.meta.url)
const { EventSource, ErrorEvent } = require('../lib/eventsource.js')
const { fetch: ferrofetch } = require('../lib/client.js')
const MODULE_PATH = fileURLToPath(new URL('../lib/eventsource.js', import.meta.url))

test('a 200 text/event-stream response opens the connection: open event, readyState OPEN', async (t) => {
  const server = await sseServer(t, (req, res) => res.writeHead(200, SSE_HEAD).flushHeaders())
  const es = new EventSource(`${server.url}/stream`)
  t.teardown(() => es.close())
  t.is(es.readyState, EventSource.CONNECTING)
  t.is(es.url, `${server.url}/stream`)
  const event = await next(es, 'open')
  t.is(event.constructor, Event)
  t.is(es.readyState, EventSource.OPEN)
})

test('the request asks for text/event-stream without caching, and no Last-Event-ID at first', async (t) => {
  const server = await sseServer(t, (req, res) => res.writeHead(200, SSE_HEAD).flushHeaders())
  const es = new EventSource(server.url)
  t.teardown(() => es.close())
  await next(es, 'open')
  const { method, headers } = server.requests[0]
  t.is(method, 'GET')
  t.is(headers.accept, 'text/event-stream')
  t.is(headers['cache-control'], 'no-cache')
  t.false('last-event-id' in headers)
})

test('message events carry data, lastEventId and origin', async (t) => {
  const server = await sseServer(t, (req, res) => {
    res.writeHead(200, SSE_HEAD)
    res.write('id: 1\ndata: first\ndata: line\n\ndata: {"n":2}\n\n')
  })
  const es = new EventSource(server.url)
  const messages = []
  const two = new Promise((resolve) => {
    es.onmessage = (event) => {
      messages.push(event)
      if (messages.length === 2) resolve()
    }
  })
  t.teardown(() => es.close())
  await two
  t.true(messages[0] instanceof MessageEvent)
  t.is(messages[0].type, 'message')
  t.is(messages[0].data, 'first\nline')
  t.is(messages[0].lastEventId, '1')
  t.is(messages[0].origin, server.url)
  t.is(messages[1].data, '{"n":2}')
})

test('named events go to their own listeners, not to onmessage', async (t) => {
  const server = await sseServer(t, (req, res) => {
    res.writeHead(200, SSE_HEAD)
    res.write('event: tick\ndata: 1\n\ndata: plain\n\nevent: tock\ndata: 2\n\n')
  })
  const es = new EventSource(server.url)
  const { log, until } = record(t, es, ['message', 'tick', 'tock'])
  await until((l) => l.length === 3)
  t.deepEqual(log.map(([type, , data]) => [type, data]), [['tick', '1'], ['message', 'plain'], ['tock', '2']])
})

test('lastEventId stays in force for later events without an id, and an empty id clears it', async (t) => {
  const server = await sseServer(t, (req, res) => {
    res.writeHead(200, SSE_HEAD)
    res.write('id: 7\ndata: a\n\ndata: b\n\nid: 8\n\ndata: c\n\nid\ndata: d\n\n')
  })
  const es = new EventSource(server.url)
  const { log, until } = record(t, es, ['message'])
  await until((l) => l.length === 4)
  // The npm `eventsource` package reports '' for b and c (ids per block);
  // the spec keeps the last event ID string, also from an id-only block.
  t.deepEqual(log.map(([, , data, id]) => [data, id]), [['a', '7'], ['b', '7'], ['c', '8'], ['d', '']])
})

test("origin is the final URL's origin after a redirect", async (t) => {
  const target = await sseServer(t, (req, res) => {
    res.writeHead(200, SSE_HEAD)
    res.write('data: moved\n\n')
  })
  const start = await sseServer(t, (req, res) => res.writeHead(302, { location: `${target.url}/events` }).end())
  const es = new EventSource(`${start.url}/old`)
  t.teardown(() => es.close())
  const event = await next(es, 'message')
  t.is(event.origin, target.url)
  t.not(event.origin, start.url)
  t.is(es.url, `${start.url}/old`)
})

test('the server ending the stream fires error, sets CONNECTING, and a new connection follows', async (t) => {
  const server = await sseServer(t, (req, res, n) => {
    res.writeHead(200, SSE_HEAD)
    if (n === 1) res.end('retry: 1\ndata: one\n\n')
    else res.write('data: two\n\n')
  })
  const es = new EventSource(server.url)
  const { log, until } = record(t, es)
  await until((l) => l.some(([type, , data]) => data === 'two'))
  t.deepEqual(log, [
    ['open', 1],
    ['message', 1, 'one', ''],
    ['error', 0, undefined],
    ['open', 1],
    ['message', 1, 'two', '']
  ])
  t.is(server.requests.length, 2)
})

test('reconnecting sends Last-Event-ID with the last event ID string', async (t) => {
  const server = await sseServer(t, (req, res, n) => {
    res.writeHead(200, SSE_HEAD)
    // The id-only block after the last event still sets the ID.
    if (n === 1) res.end('retry: 1\nid: 41\ndata: x\n\nid: 42\n\n')
    else res.write('data: back\n\n')
  })
  const es = new EventSource(server.url)
  const { until } = record(t, es)
  await until((l) => l.some(([, , data]) => data === 'back'))
  t.false('last-event-id' in server.requests[0].headers)
  t.is(server.requests[1].headers['last-event-id'], '42')
})

test('the retry field sets the reconnection delay', async (t) => {
  // Two sources: `slow` is told to wait 10 minutes, `fast` 1 ms. `slow`
  // loses its connection first; `fast` must still reconnect before it. Had
  // the retry field been ignored, both would wait the same default time and
  // `slow`, which started waiting first, would reconnect first.
  const slowServer = await sseServer(t, (req, res) => res.writeHead(200, SSE_HEAD).end('retry: 600000\ndata: s\n\n'))
  const fastServer = await sseServer(t, (req, res, n) => {
    res.writeHead(200, SSE_HEAD)
    if (n === 1) res.end('retry: 1\ndata: f\n\n')
    else res.write('data: again\n\n')
  })
  const slow = new EventSource(slowServer.url)
  const slowLog = record(t, slow)
  await slowLog.until((l) => l.some(([type]) => type === 'error'))
  const fast = new EventSource(fastServer.url)
  const fastLog = record(t, fast)
  await fastLog.until((l) => l.some(([, , data]) => data === 'again'))
  t.is(slowServer.requests.length, 1)
  t.is(slow.readyState, EventSource.CONNECTING)
  t.is(fastServer.requests.length, 2)
})

test('a refused connection fires error and stays CONNECTING to retry', async (t) => {
  const server = await sseServer(t, () => {})
  const { url } = server
  server.server.close()
  await once(server.server, 'close')
  const es = new EventSource(url)
  t.teardown(() => es.close())
  const event = await next(es, 'error')
  t.true(event instanceof ErrorEvent)
  t.is(es.readyState, EventSource.CONNECTING)
  t.is(event.code, undefined)
  t.regex(event.message, /^fetch failed: /)
  t.is(event.error.cause.code, 'ECONNREFUSED')
})

test('a custom fetch through a closed client fails the connection for good: error, then CLOSED', async (t) => {
  const { Client } = require('../lib/client.js')
  const client = new Client()
  await client.close()
  const es = new EventSource('http://127.0.0.1:9/', { fetch: (url, init) => client.fetch(url, init) })
  t.teardown(() => es.close())
  const event = await next(es, 'error')
  t.is(event.error.cause.code, 'ERR_FF_CLIENT_CLOSED')
  t.is(es.readyState, EventSource.CLOSED)
})

test('reconnection attempts that are refused go on until the server is back', async (t) => {
  const first = await sseServer(t, (req, res) => res.writeHead(200, SSE_HEAD).end('retry: 1\ndata: one\n\n'))
  const es = new EventSource(first.url)
  const { log, until, count } = record(t, es)
  await until((l) => l.some(([type]) => type === 'message'))
  first.server.close()
  for (const socket of first.sockets) socket.destroy()
  // The end of the stream, then at least two refused attempts.
  await until(() => count('error') >= 3)
  t.true(log.slice(2).every(([type, state]) => type === 'error' && state === EventSource.CONNECTING))
  const again = http.createServer((req, res) => res.writeHead(200, SSE_HEAD).end('data: back\n\n'))
  t.teardown(() => {
    again.closeAllConnections()
    again.close()
  })
  again.listen(first.port, '127.0.0.1')
  await once(again, 'listening')
  await until((l) => l.some(([, , data]) => data === 'back'))
  t.is(count('open'), 2)
})

for (const [status, head, body, code, message] of [
  [204, {}, '', 204, 'Server sent HTTP 204, not reconnecting'],
  [500, SSE_HEAD, 'data: ignored\n\n', 500, 'Non-200 status code (500)'],
  [200, { 'content-type': 'application/json' }, '{"data":1}', 200, 'Invalid content type, expected "text/event-stream"']
]) {
  const what = status === 200 ? 'a content type other than text/event-stream' : `status ${status}`
  test(`${what} fails the connection: CLOSED, one error whose code is ${code}`, async (t) => {
    const server = await sseServer(t, (req, res) => res.writeHead(status, head).end(body))
    const es = new EventSource(server.url)
    const { log } = record(t, es, ['open', 'message', 'error'])
    const event = await next(es, 'error')
    t.true(event instanceof ErrorEvent)
    t.is(event.code, code)
    t.is(event.message, message)
    t.is(es.readyState, EventSource.CLOSED)
    t.deepEqual(log, [['error', 2, code]])
  })
}

test('a line over maxSize fails the connection instead of buffering it', async (t) => {
  let response
  const server = await sseServer(t, (req, res) => {
    response = res
    res.writeHead(200, SSE_HEAD)
    res.write('data: small\n\n')
  })
  const es = new EventSource(server.url, { maxSize: 32 })
  const { log, until } = record(t, es)
  await until((l) => l.some(([type]) => type === 'message'))
  response.write(`data: ${'x'.repeat(100)}\n\n`)
  await until((l) => l.some(([type]) => type === 'error'))
  t.deepEqual(log, [['open', 1], ['message', 1, 'small', ''], ['error', 2, undefined]])
  t.is(es.readyState, EventSource.CLOSED)
  t.throws(() => new EventSource(server.url, { maxSize: 0 }), { instanceOf: RangeError })
})

test("close() stops dispatching and closes the server's connection", async (t) => {
  let serverSideClosed
  const server = await sseServer(t, (req, res) => {
    serverSideClosed = once(res, 'close')
    res.writeHead(200, SSE_HEAD)
    res.write('data: 1\n\n')
  })
  const es = new EventSource(server.url)
  const { log } = record(t, es)
  await next(es, 'message')
  es.close()
  t.is(es.readyState, EventSource.CLOSED)
  await serverSideClosed
  t.deepEqual(log, [['open', 1], ['message', 1, '1', '']])
  es.close() // idempotent
  t.is(es.readyState, EventSource.CLOSED)
})

test('close() in a listener drops the rest of an already received batch', async (t) => {
  const server = await sseServer(t, (req, res) => {
    res.writeHead(200, SSE_HEAD)
    res.write('data: 1\n\ndata: 2\n\ndata: 3\n\n')
  })
  const es = new EventSource(server.url)
  const seen = []
  es.onmessage = (event) => {
    seen.push(event.data)
    es.close()
  }
  t.teardown(() => es.close())
  await next(es, 'message')
  // Give the already-parsed 2 and 3 every chance to be (wrongly) dispatched:
  // a second source on the same server must get all of its three first.
  const probe = new EventSource(server.url)
  const probeLog = record(t, probe, ['message'])
  await probeLog.until((l) => l.length === 3)
  t.deepEqual(seen, ['1'])
})

test('after close() nothing keeps the process alive, not even a pending reconnection', async (t) => {
  // A child process: the stream ends, a 10-minute reconnection is pending,
  // and onerror closes. The child must exit by itself.
  const server = await sseServer(t, (req, res) => res.writeHead(200, SSE_HEAD).end('retry: 600000\ndata: x\n\n'))
  const { code, stdout: output } = await runNode(`
    const { EventSource } = require(${JSON.stringify(MODULE_PATH)})
    const es = new EventSource(${JSON.stringify(server.url)})
    es.onmessage = (e) => console.log('message ' + e.data)
    es.onerror = () => { console.log('error ' + es.readyState); es.close() }
  `, { t })
  t.is(code, 0)
  t.is(output, 'message x\nerror 0\n')
  t.is(server.requests.length, 1)
})

test('a custom fetch wrapping ferrofetch is called with (URL, init) as the npm package passes them', async (t) => {
  const server = await sseServer(t, (req, res, n) => {
    res.writeHead(200, SSE_HEAD)
    if (n === 1) res.end('retry: 1\nid: 5\ndata: one\n\n')
    else res.write('data: two\n\n')
  })
  const calls = []
  const es = new EventSource(server.url, {
    fetch: (url, init) => {
      calls.push({ url, init })
      return ferrofetch(url, init)
    }
  })
  const { log, until } = record(t, es)
  await until((l) => l.some(([, , data]) => data === 'two'))
  t.is(calls.length, 2)
  const [{ url, init }, second] = calls
  t.true(url instanceof URL)
  t.is(url.href, `${server.url}/`)
  t.true(init.signal instanceof AbortSignal)
  t.like(init, { mode: 'cors', redirect: 'follow', cache: 'no-store', credentials: 'same-origin' })
  t.deepEqual(init.headers, { Accept: 'text/event-stream', 'Cache-Control': 'no-cache' })
  t.is(second.init.headers['Last-Event-ID'], '5')
  t.deepEqual(log.filter(([type]) => type === 'message').map(([, , data]) => data), ['one', 'two'])
})

test("Node's global fetch works as the custom fetch (its Response is parsed through its body)", async (t) => {
  const server = await sseServer(t, (req, res) => {
    res.writeHead(200, SSE_HEAD)
    res.write('event: a\nid: 3\ndata: from undici\n\n')
  })
  let calls = 0
  const es = new EventSource(server.url, {
    fetch: (url, init) => {
      calls++
      return globalThis.fetch(url, init)
    }
  })
  const { log, until } = record(t, es, ['open', 'a'])
  await until((l) => l.length === 2)
  t.is(calls, 1)
  t.deepEqual(log, [['open', 1], ['a', 1, 'from undici', '3']])
})

test('init method, headers and body make a POST stream, sent again on reconnection', async (t) => {
  const server = await sseServer(t, (req, res, n) => {
    res.writeHead(200, SSE_HEAD)
    if (n === 1) res.end('retry: 1\ndata: first\n\n')
    else res.write('data: second\n\n')
  })
  const es = new EventSource(server.url, {
    method: 'POST',
    headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'hi' })
  })
  const { until } = record(t, es)
  await until((l) => l.some(([, , data]) => data === 'second'))
  for (const request of server.requests) {
    t.is(request.method, 'POST')
    t.is(request.body, '{"prompt":"hi"}')
    t.is(request.headers.authorization, 'Bearer t')
    t.is(request.headers['content-type'], 'application/json')
    t.is(request.headers.accept, 'text/event-stream')
  }
})

test('a Last-Event-ID header in init is where the stream resumes', async (t) => {
  const server = await sseServer(t, (req, res) => res.writeHead(200, SSE_HEAD).end('data: x\n\n'))
  const es = new EventSource(server.url, { headers: { 'Last-Event-ID': '99' } })
  t.teardown(() => es.close())
  const event = await next(es, 'message')
  t.is(server.requests[0].headers['last-event-id'], '99')
  t.is(event.lastEventId, '99')
})

test('a stream body is refused, since it could not be sent again on reconnection', (t) => {
  t.throws(() => new EventSource('http://127.0.0.1:1/', { method: 'POST', body: new ReadableStream() }), { instanceOf: TypeError })
})

test('onopen/onmessage/onerror: the getter returns the handler, setting replaces it in place, null removes it', async (t) => {
  const server = await sseServer(t, (req, res) => {
    res.writeHead(200, SSE_HEAD)
    res.write('data: 1\n\n')
  })
  const es = new EventSource(server.url)
  t.teardown(() => es.close())
  t.is(es.onmessage, null)
  const order = []
  es.addEventListener('message', () => order.push('before'))
  const first = () => order.push('first')
  const second = function (event) {
    order.push(this === es && event.data === '1' ? 'second' : 'wrong this or event')
  }
  es.onmessage = first
  es.addEventListener('message', () => order.push('after'))
  // The handler is a listener placed when first set (not called ahead of
  // all listeners), and replacing it keeps that place.
  es.onmessage = second
  t.is(es.onmessage, second)
  es.onopen = () => order.push('open')
  es.onopen = null
  t.is(es.onopen, null)
  es.onerror = 'not callable'
  t.is(es.onerror, null)
  await next(es, 'message')
  t.deepEqual(order, ['before', 'second', 'after'])
})

test('readyState constants are on EventSource and its prototype, read-only', (t) => {
  for (const target of [EventSource, EventSource.prototype]) {
    t.is(target.CONNECTING, 0)
    t.is(target.OPEN, 1)
    t.is(target.CLOSED, 2)
    t.throws(() => { target.OPEN = 5 }, { instanceOf: TypeError }) // modules are strict code
    t.is(target.OPEN, 1)
  }
  t.deepEqual([EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED],
    [NpmEventSource.CONNECTING, NpmEventSource.OPEN, NpmEventSource.CLOSED])
})

test('an invalid URL throws a SyntaxError DOMException; withCredentials reflects init', (t) => {
  // (ava's t.throws takes Error instances only, and DOMException is none in Node 20.)
  let error
  try {
    new EventSource('not a url') // eslint-disable-line no-new
  } catch (err) {
    error = err
  }
  t.true(error instanceof DOMException)
  t.is(error.name, 'SyntaxError')
  t.throws(() => new EventSource(), { instanceOf: TypeError })
  const es = new EventSource('http://127.0.0.1:1/', { withCredentials: true, fetch: () => new Promise(() => {}) })
  t.true(es.withCredentials)
  es.close()
  t.false(new EventSource('http://127.0.0.1:1/', { fetch: () => new Promise(() => {}) }).withCredentials)
})

test('same events and readyStates as the npm eventsource package across a reconnection', async (t) => {
  const handler = (req, res, n) => {
    res.writeHead(200, SSE_HEAD)
    if (n === 1) res.end('retry: 1\nid: 1\ndata: one\n\nid: 2\nevent: tick\ndata: two\n\n')
    else res.write('id: 3\ndata: three\n\n')
  }
  const ours = await sseServer(t, handler)
  const theirs = await sseServer(t, handler)
  const done = (l) => l.some(([, , data]) => data === 'three')
  const expected = await scenario(t, NpmEventSource, theirs.url, done)
  const actual = await scenario(t, EventSource, ours.url, done)
  t.deepEqual(actual, expected)
  t.is(actual.length, 6)
  t.is(ours.requests[1].headers['last-event-id'], theirs.requests[1].headers['last-event-id'])
})

test('same failure as the npm eventsource package for 204, 500 and a wrong content type', async (t) => {
  for (const [status, head] of [[204, {}], [500, SSE_HEAD], [200, { 'content-type': 'text/plain' }]]) {
    const handler = (req, res) => res.writeHead(status, head).end()
    const ours = await sseServer(t, handler)
    const theirs = await sseServer(t, handler)
    const done = (l) => l.some(([type]) => type === 'error')
    const expected = await scenario(t, NpmEventSource, theirs.url, done)
    const actual = await scenario(t, EventSource, ours.url, done)
    t.deepEqual(actual, expected, `status ${status}`)
    t.deepEqual(actual, [['error', 2, status]])
  }
})
