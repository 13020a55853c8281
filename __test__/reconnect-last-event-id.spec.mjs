// Reconnection rule: Last-Event-ID (HTML §9.2.3 step 6.3). A reconnection
// sends the last event ID string when it is not empty; the server's `id`
// fields set it (an id-only block too, an empty `id` clears it); a caller's
// own Last-Event-ID header is only where the stream starts. events() and
// EventSource send the same headers for the same stream (lib/reconnect.js).
import test from 'ava'
import { EventSource as NpmEventSource } from 'eventsource'
import { events, EventSource } from '../index.mjs'
import { SSE_HEAD, sseServer, record } from './helpers/sse.mjs'

/** Per connection: what the server sends before ending the stream. */
const BODIES = [
  'retry: 1\nid: 41\ndata: a\n\nid: 42\n\n', // an id-only block after the last event counts
  'data: b\n\n', // no id: 42 stays in force
  'id:\ndata: c\n\n', // an empty id clears it: no header next time
  'id: 7\ndata: d\n\n'
]
const LAST = 'data: end\n\n'

function lastIdServer (t, bodies = BODIES) {
  return sseServer(t, (req, res, n) => {
    res.writeHead(200, SSE_HEAD)
    if (n <= bodies.length) res.end(bodies[n - 1])
    else res.write(LAST)
  })
}

const sentIds = (server) => server.requests.map((r) => r.headers['last-event-id'] ?? null)

async function viaEvents (t, init = {}) {
  const server = await lastIdServer(t)
  const stream = events(server.url, init)
  t.teardown(() => stream.close())
  for await (const ev of stream) if (ev.data === 'end') break
  return sentIds(server)
}

async function viaEventSource (t, Impl, init = {}, bodies = BODIES) {
  const server = await lastIdServer(t, bodies)
  const es = new Impl(server.url, init)
  const { until } = record(t, es)
  await until((l) => l.some(([, , data]) => data === 'end'))
  es.close()
  return sentIds(server)
}

test('reconnections send the last event ID string, none while it is empty', async (t) => {
  const expected = [null, '42', '42', null, '7']
  t.deepEqual(await viaEvents(t), expected)
  t.deepEqual(await viaEventSource(t, EventSource), expected)
})

test('the same Last-Event-ID headers as the npm eventsource package', async (t) => {
  // Without the id-only block, which the package ignores (its parser sets
  // the ID only with an event; HTML §9.2.6 sets it at every blank line).
  const bodies = ['retry: 1\nid: 41\ndata: a\n\n', ...BODIES.slice(1)]
  const expected = [null, '41', '41', null, '7']
  t.deepEqual(await viaEventSource(t, NpmEventSource, {}, bodies), expected)
  t.deepEqual(await viaEventSource(t, EventSource, {}, bodies), expected)
})

test("a caller's Last-Event-ID header starts the stream, and the server's ids replace it", async (t) => {
  // Were the caller's header sent as is, the connection after the empty id
  // would carry 'seed' again.
  const expected = ['seed', '42', '42', null, '7']
  const headers = { 'Last-Event-ID': 'seed' }
  t.deepEqual(await viaEvents(t, { headers }), expected)
  t.deepEqual(await viaEventSource(t, EventSource, { headers }), expected)
})

test('events(): the lastEventId option starts the stream and wins over a header', async (t) => {
  const expected = ['opt', '42', '42', null, '7']
  t.deepEqual(await viaEvents(t, { lastEventId: 'opt' }), expected)
  t.deepEqual(await viaEvents(t, { lastEventId: 'opt', headers: { 'last-event-id': 'seed' } }), expected)
})

test('events(): lastEventId follows the stream, also across reconnections', async (t) => {
  const server = await lastIdServer(t)
  const stream = events(server.url)
  t.teardown(() => stream.close())
  const seen = []
  for await (const ev of stream) {
    seen.push([ev.data, ev.id])
    if (ev.data === 'end') break
  }
  t.deepEqual(seen, [['a', '41'], ['b', '42'], ['c', ''], ['d', '7'], ['end', '7']])
  t.is(stream.lastEventId, '7')
})
