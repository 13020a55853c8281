// The npm `eventsource` package with `fetch: ferrofetch.fetch` (its
// documented option), run with Node's fetch and with ferrofetch's against the
// same loopback event stream and compared: events, reconnection with
// Last-Event-ID, failures, and the connection closed by close().
import test from 'ava'
import { EventSource } from 'eventsource'
import { within, runBoth } from './helpers/differential.mjs'
import { httpServer } from './helpers/servers.mjs'

const SSE_HEAD = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }

/**
 * An event-stream server: `handler(res, n)` answers the n-th request
 * (0-based). It records each request's Last-Event-ID and whether its
 * connection was closed by the client before the answer ended.
 */
async function sseServer (t, handler) {
  const requests = []
  const closed = []
  const { url } = await httpServer(t, (req, res) => {
    const n = requests.length
    requests.push({ method: req.method, lastEventId: req.headers['last-event-id'] ?? null, accept: req.headers.accept })
    closed.push(new Promise((resolve) => res.on('close', () => resolve(!res.writableFinished))))
    handler(res, n)
  })
  return { url, requests, closed }
}

/**
 * Opens an EventSource through `fetch`, records what it dispatches until
 * `done(log)` says so, closes it, and returns the log with what the server saw.
 */
function scenario (t, handler, done) {
  return async (fetch) => {
    const server = await sseServer(t, handler)
    const es = new EventSource(server.url, { fetch })
    const log = []
    let finish
    const finished = new Promise((resolve) => { finish = resolve })
    const record = (entry) => {
      log.push(entry)
      if (done(log)) finish()
    }
    es.onopen = () => record(['open', es.readyState])
    es.onmessage = (ev) => record(['message', ev.data, ev.lastEventId])
    es.addEventListener('named', (ev) => record(['named', ev.data]))
    es.onerror = (ev) => record(['error', ev.code ?? null, ev.message ?? null, es.readyState])
    // Bounded: a scenario that stalls ends here and the comparison shows it.
    await within(finished, 'stalled')
    es.close()
    const closedEarly = await Promise.all(server.closed.map((closed) => within(closed)))
    return { log, requests: server.requests, closedEarly }
  }
}

test('eventsource with ferrofetch: the same events, reconnection and Last-Event-ID as with Node fetch', async (t) => {
  const { node, ferrofetch } = await runBoth(scenario(t, (res, n) => {
    res.writeHead(200, SSE_HEAD)
    if (n === 0) res.end('retry: 10\nid: 1\ndata: one\n\nevent: named\ndata: two\n\n')
    else res.write(`id: ${n + 1}\ndata: again ${n}\n\n`) // open until close()
  }, (log) => log.filter(([kind]) => kind === 'message').length === 2))
  t.deepEqual(ferrofetch, node)
  t.deepEqual(ferrofetch.requests.map((r) => r.lastEventId), [null, '1'])
  t.deepEqual(ferrofetch.closedEarly, [false, true])
})

test('eventsource with ferrofetch: a 500 fails the connection with the same error event as with Node fetch', async (t) => {
  const { node, ferrofetch } = await runBoth(scenario(t, (res) => {
    res.writeHead(500, { 'content-type': 'text/plain' })
    res.end('no')
  }, (log) => log.some(([kind]) => kind === 'error')))
  t.deepEqual(ferrofetch, node)
  t.deepEqual(ferrofetch.log, [['error', 500, 'Non-200 status code (500)', EventSource.CLOSED]])
})

test('eventsource with ferrofetch: close() closes the open stream\'s connection, as with Node fetch', async (t) => {
  const { node, ferrofetch } = await runBoth(scenario(t, (res) => {
    res.writeHead(200, SSE_HEAD)
    res.write('data: first\n\n') // and the stream stays open
  }, (log) => log.some(([kind]) => kind === 'message')))
  t.deepEqual(ferrofetch, node)
  t.deepEqual(ferrofetch.closedEarly, [true])
})

test('eventsource with ferrofetch: a wrong content type fails with the same error as with Node fetch', async (t) => {
  const { node, ferrofetch } = await runBoth(scenario(t, (res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{}')
  }, (log) => log.some(([kind]) => kind === 'error')))
  t.deepEqual(ferrofetch, node)
  t.is(ferrofetch.log[0][0], 'error')
})
