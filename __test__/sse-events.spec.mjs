import test from 'ava'
import { fetch, events, Response, EventStreamError } from '../index.mjs'
import { httpServer, readBody, sleep } from './helpers/servers.mjs'

const SSE = { 'content-type': 'text/event-stream' }

async function collect (iterable, max = 100) {
  const out = []
  for await (const ev of iterable) {
    out.push(ev)
    if (out.length >= max) break
  }
  return out
}

test('response.events() parses a fetched body natively', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, SSE)
    res.end('\uFEFFid: 1\nevent: greet\ndata: hello\ndata: world\n\n: comment\ndata: second\r\n\r\nretry: 1500\ndata: third\r\rdata: unfinished')
  })
  const evs = await collect((await fetch(url)).events())
  t.deepEqual(evs, [
    { event: 'greet', data: 'hello\nworld', id: '1' },
    { event: 'message', data: 'second', id: '1' },
    { event: 'message', data: 'third', id: '1', retry: 1500 }
  ])
})

test('events split across chunks at every awkward place parse the same', async (t) => {
  const stream = 'data: caf\u00e9 \u2603\r\n\r\nid: a\rdata: x\r\r'
  const bytes = Buffer.from(stream)
  const { url } = await httpServer(t, async (req, res) => {
    res.writeHead(200, SSE)
    for (const byte of bytes) {
      res.write(Buffer.from([byte]))
      await sleep(1)
    }
    res.end()
  })
  const evs = await collect((await fetch(url)).events())
  t.deepEqual(evs, [
    { event: 'message', data: 'caf\u00e9 \u2603', id: '' },
    { event: 'message', data: 'x', id: 'a' }
  ])
})

test('response.events() works on a Response made from a JS stream', async (t) => {
  const body = new ReadableStream({
    start (c) {
      c.enqueue(new TextEncoder().encode('data: from js\n\nda'))
      c.enqueue(new TextEncoder().encode('ta: split\n\n'))
      c.close()
    }
  })
  const evs = await collect(new Response(body).events())
  t.deepEqual(evs.map((e) => e.data), ['from js', 'split'])
})

test('events arrive as the server sends them', async (t) => {
  let sent = 0
  const { url } = await httpServer(t, async (req, res) => {
    res.writeHead(200, SSE)
    for (let i = 0; i < 3; i++) {
      await sleep(150)
      sent++
      res.write(`data: ${i}\n\n`)
    }
    res.end()
  })
  const seen = []
  for await (const ev of (await fetch(url)).events()) {
    seen.push([ev.data, sent])
  }
  t.deepEqual(seen, [['0', 1], ['1', 2], ['2', 3]])
})

test('a line over maxSize ends the iterator with an error, not unbounded memory', async (t) => {
  const { url } = await httpServer(t, async (req, res) => {
    res.writeHead(200, SSE)
    const chunk = 'x'.repeat(64 * 1024)
    res.write('data: ')
    for (let i = 0; i < 64 && !res.destroyed; i++) {
      res.write(chunk)
      await sleep(1)
    }
    res.end()
  })
  const iterator = (await fetch(url)).events({ maxSize: 256 * 1024 })
  const err = await t.throwsAsync(collect(iterator), { instanceOf: TypeError })
  t.is(err.cause.code, 'ERR_FF_SSE_TOO_LARGE')
})

test('events that arrived with an over-long line are delivered before the error', async (t) => {
  // One write: the events and the over-long line reach the parser in the
  // same chunk. Native body and JS stream body both keep the events.
  const payload = 'data: a\n\ndata: b\n\ndata: ' + 'y'.repeat(4096) + '\n\ndata: never\n\n'
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, SSE)
    res.end(payload)
  })
  const drain = async (iterator) => {
    const seen = []
    const err = await t.throwsAsync(async () => {
      for await (const ev of iterator) seen.push(ev.data)
    }, { instanceOf: TypeError })
    t.is(err.cause.code, 'ERR_FF_SSE_TOO_LARGE')
    return seen
  }
  t.deepEqual(await drain((await fetch(url)).events({ maxSize: 1024 })), ['a', 'b'])
  const stream = new Response(new Blob([payload]).stream())
  t.deepEqual(await drain(stream.events({ maxSize: 1024 })), ['a', 'b'])
})

test('lastEventId follows id fields, also those of blocks that dispatch no event', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, SSE)
    // The last block has an id and no data: no event, a new last event ID.
    res.end('id: 1\ndata: a\n\nid: 2\n\n')
  })
  const iterator = (await fetch(url)).events({ lastEventId: 'start' })
  t.is(iterator.lastEventId, 'start')
  const seen = []
  for await (const ev of iterator) seen.push([ev.data, ev.id])
  t.deepEqual(seen, [['a', '1']])
  t.is(iterator.lastEventId, '2')
})

test('breaking out of the loop closes the connection', async (t) => {
  let closed
  const serverSawClose = new Promise((resolve) => { closed = resolve })
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, SSE)
    const timer = setInterval(() => res.write('data: tick\n\n'), 10)
    res.on('close', () => {
      clearInterval(timer)
      closed()
    })
  })
  // eslint-disable-next-line no-unreachable-loop -- the break after one event is what this tests
  for await (const ev of (await fetch(url)).events()) {
    t.is(ev.data, 'tick')
    break
  }
  await serverSawClose
})

test('events() POSTs a JSON body with headers (the LLM case)', async (t) => {
  let request
  const { url } = await httpServer(t, async (req, res) => {
    request = { method: req.method, auth: req.headers.authorization, accept: req.headers.accept, body: (await readBody(req)).toString() }
    res.writeHead(200, SSE)
    res.end('data: {"token":"Hel"}\n\ndata: {"token":"lo"}\n\n')
    // The stream is finite here: a 204 on reconnect tells the client to stop.
  })
  const stream = events(url, {
    method: 'POST',
    headers: { authorization: 'Bearer key', 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'hi' })
  })
  const tokens = []
  for await (const ev of stream) {
    tokens.push(JSON.parse(ev.data).token)
    if (tokens.length === 2) stream.close()
  }
  t.deepEqual(tokens, ['Hel', 'lo'])
  t.deepEqual(request, { method: 'POST', auth: 'Bearer key', accept: 'text/event-stream', body: '{"prompt":"hi"}' })
})

test('events() reconnects after the retry time, sends Last-Event-ID, and stops on 204', async (t) => {
  const lastIds = []
  let connections = 0
  const { url } = await httpServer(t, (req, res) => {
    connections++
    lastIds.push(req.headers['last-event-id'] ?? null)
    if (connections === 3) {
      res.writeHead(204)
      return res.end()
    }
    res.writeHead(200, SSE)
    res.end(`retry: 20\nid: ${connections}\ndata: c${connections}\n\n`)
  })
  const stream = events(url)
  const evs = await collect(stream)
  t.deepEqual(evs.map((e) => e.data), ['c1', 'c2'])
  t.deepEqual(lastIds, [null, '1', '2'])
  t.is(stream.lastEventId, '2')
})

test('events() backs off while the server is unreachable and resumes', async (t) => {
  let attempts = 0
  const { url } = await httpServer(t, (req, res) => {
    attempts++
    if (attempts < 3) {
      // Drop the connection without an answer: a network failure.
      return req.socket.destroy()
    }
    res.writeHead(200, SSE)
    res.end('data: finally\n\n')
  })
  const stream = events(url, { retry: 10, maxRetryDelay: 50 })
  const [first] = await collect(stream, 1)
  t.is(first.data, 'finally')
  t.is(attempts, 3)
})

test('a non-2xx status ends events() with an error carrying the status', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain' })
    res.end('busy')
  })
  const err = await t.throwsAsync(collect(events(url)), { instanceOf: EventStreamError })
  t.is(err.status, 503)
  t.is(err.code, 'ERR_FF_SSE_STATUS')
})

test('a content type other than text/event-stream ends events() with an error', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{}')
  })
  const err = await t.throwsAsync(collect(events(url)), { instanceOf: EventStreamError })
  t.is(err.status, 200)
  t.is(err.code, 'ERR_FF_SSE_CONTENT_TYPE')
})

test('a URL that is not http(s) ends events() with ERR_FF_UNSUPPORTED_SCHEME instead of retrying', async (t) => {
  // Reconnecting cannot fix the scheme: retrying would loop forever.
  const stream = events('ftp://127.0.0.1:9/stream', { retry: 1 })
  const err = await stream.next().catch((e) => e)
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ERR_FF_UNSUPPORTED_SCHEME')
  t.deepEqual(await stream.next(), { value: undefined, done: true })
})

test('close() stops events() and closes the connection', async (t) => {
  let closed
  const serverSawClose = new Promise((resolve) => { closed = resolve })
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, SSE)
    res.write('data: first\n\n')
    res.on('close', () => closed())
  })
  const stream = events(url)
  const it = stream[Symbol.asyncIterator]()
  t.is((await it.next()).value.data, 'first')
  const pending = it.next()
  stream.close()
  t.deepEqual(await pending, { value: undefined, done: true })
  await serverSawClose
})

test('aborting the signal ends events() with the reason', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, SSE)
    res.write('data: first\n\n')
  })
  const controller = new AbortController()
  const stream = events(url, { signal: controller.signal })
  const it = stream[Symbol.asyncIterator]()
  await it.next()
  const reason = new Error('enough')
  setTimeout(() => controller.abort(reason), 20)
  t.is(await it.next().catch((e) => e), reason)
})
