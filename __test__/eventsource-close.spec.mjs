// EventSource.close() aborts the fetch in force: "abort any instances of the
// fetch algorithm started for this EventSource object" (HTML §9.2.2). With
// ferrofetch's own fetch a request without a body is aborted through its
// exchange, one with a body and a caller's fetch through a signal: each way,
// the server sees its connection close, and no event is dispatched. Waits
// end on events, never on elapsed time.
import test from 'ava'
import { once } from 'node:events'
import { EventSource as NpmEventSource } from 'eventsource'
import { EventSource, fetch } from '../index.mjs'
import { sseServer, record } from './helpers/sse.mjs'

/** A server that takes requests and never answers; resolves each one's socket close. */
async function silentServer (t) {
  const requests = []
  const waiters = []
  const server = await sseServer(t, (req) => {
    requests.push({ method: req.method, closed: once(req.socket, 'close') })
    for (const waiter of waiters.splice(0)) waiter()
  })
  const arrived = () => new Promise((resolve) => {
    if (requests.length > 0) resolve(requests[0])
    else waiters.push(() => resolve(requests[0]))
  })
  return { url: server.url, arrived }
}

for (const [what, init] of [
  ['a GET of ferrofetch’s own fetch', {}],
  ['a POST with a body', { method: 'POST', body: 'hello' }],
  ['a caller’s fetch', { fetch: (url, init) => fetch(url, init) }]
]) {
  test(`close() while waiting for the response head closes the connection: ${what}`, async (t) => {
    const { url, arrived } = await silentServer(t)
    const es = new EventSource(url, init)
    const { log } = record(t, es)
    const request = await arrived()
    es.close()
    t.is(es.readyState, EventSource.CLOSED)
    await request.closed
    t.is(request.method, init.method ?? 'GET')
    t.deepEqual(log, [])
  })
}

test('close() while waiting for the head: the same events as the eventsource package (none)', async (t) => {
  const logs = []
  for (const Impl of [NpmEventSource, EventSource]) {
    const { url, arrived } = await silentServer(t)
    const es = new Impl(url)
    const { log } = record(t, es)
    const request = await arrived()
    es.close()
    await request.closed
    logs.push({ readyState: es.readyState, log })
  }
  t.deepEqual(logs[1], logs[0])
})
