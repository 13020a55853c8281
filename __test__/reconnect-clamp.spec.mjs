// Reconnection rule: the reconnection time is clamped to the largest delay
// setTimeout honours (2^31-1 ms). Node fires a longer timer after 1 ms, so
// an unclamped `retry: 9999999999` would be a tight reconnection loop.
// events() and EventSource share the clamp (lib/reconnect.js).
//
// No wall-clock thresholds: a control stream told `retry: 1` reconnects a
// fixed number of times, which proves timers have had every chance to fire;
// the clamped stream must not have reconnected meanwhile.
import test from 'ava'
import { createRequire } from 'node:module'
import { events, EventSource } from '../index.mjs'
import { SSE_HEAD, sseServer, record } from './helpers/sse.mjs'

const require = createRequire(import.meta.url)
const { ReconnectPolicy, MAX_DELAY } = require('../lib/reconnect.js')

const HUGE_RETRY = 9999999999
const CONTROL_RECONNECTIONS = 20

/** A server that ends every stream at once, telling the client to wait `retry` ms. */
function endingServer (t, retry) {
  return sseServer(t, (req, res, n) => res.writeHead(200, SSE_HEAD).end(`retry: ${retry}\ndata: ${n}\n\n`))
}

/** Reads `count` events from a retry-1 stream: CONTROL_RECONNECTIONS reconnections. */
async function runControl (t) {
  const control = await endingServer(t, 1)
  const stream = events(control.url)
  t.teardown(() => stream.close())
  let seen = 0
  for await (const ev of stream) {
    if (++seen > CONTROL_RECONNECTIONS) break
    t.is(ev.data, String(seen))
  }
  return control
}

test('events(): a retry above 2^31-1 ms is clamped, not a tight reconnection loop', async (t) => {
  const server = await endingServer(t, HUGE_RETRY)
  const stream = events(server.url)
  t.teardown(() => stream.close())
  const it = stream[Symbol.asyncIterator]()
  t.is((await it.next()).value.data, '1')
  // The stream has ended; this next() waits to reconnect.
  const pending = it.next()
  const control = await runControl(t)
  t.true(control.requests.length > CONTROL_RECONNECTIONS)
  t.is(server.requests.length, 1)
  stream.close()
  t.deepEqual(await pending, { value: undefined, done: true })
})

test('EventSource: a retry above 2^31-1 ms is clamped, not a tight reconnection loop', async (t) => {
  const server = await endingServer(t, HUGE_RETRY)
  const es = new EventSource(server.url)
  const { until } = record(t, es)
  await until((l) => l.some(([type]) => type === 'error'))
  t.is(es.readyState, EventSource.CONNECTING)
  const control = await runControl(t)
  t.true(control.requests.length > CONTROL_RECONNECTIONS)
  t.is(server.requests.length, 1)
  t.is(es.readyState, EventSource.CONNECTING)
})

test('events() option retry above 2^31-1 ms is clamped too', async (t) => {
  // The caller's retry goes through the same clamp as the server's.
  const server = await sseServer(t, (req, res, n) => res.writeHead(200, SSE_HEAD).end(`data: ${n}\n\n`))
  const stream = events(server.url, { retry: HUGE_RETRY })
  t.teardown(() => stream.close())
  const it = stream[Symbol.asyncIterator]()
  t.is((await it.next()).value.data, '1')
  const pending = it.next()
  await runControl(t)
  t.is(server.requests.length, 1)
  stream.close()
  t.deepEqual(await pending, { value: undefined, done: true })
})

test('the largest honoured delay is 2^31-1 ms, also with backoff after failures', (t) => {
  t.is(MAX_DELAY, 2 ** 31 - 1)
  const policy = new ReconnectPolicy({ reconnectionTime: 3000, maxBackoff: HUGE_RETRY })
  policy.setRetry(HUGE_RETRY)
  t.is(policy.delay(), MAX_DELAY)
  // Bounded: 40 failures in a row, far past the exponent cap.
  for (let i = 0; i < 40; i++) {
    policy.failed()
    const delay = policy.delay()
    t.true(delay <= MAX_DELAY && delay >= 0, `failure ${i + 1}: ${delay}`)
  }
  t.is(new ReconnectPolicy({ reconnectionTime: 0 }).delay(), 0)
})
