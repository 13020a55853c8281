// Reconnection rule: after a failed connection attempt the wait is never
// shorter than the reconnection time (the README promises "at least the
// server's retry"); from the second failure in a row it backs off
// exponentially with jitter, up to the ceiling; a response starts over.
// events() and EventSource share the rule (lib/reconnect.js).
import test from 'ava'
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'
import { events, EventSource } from '../index.mjs'
import { SSE_HEAD, sseServer, record } from './helpers/sse.mjs'

const require = createRequire(import.meta.url)
const { ReconnectPolicy } = require('../lib/reconnect.js')

const SAMPLES = 1000
// A lower bound only (a wait is never shorter than retry), never an upper
// one. Node's timers run on a millisecond loop clock, so a timer may fire
// up to a millisecond or so early as measured by performance.now().
const TIMER_GRANULARITY = 2

test('the first wait after a failed attempt is exactly the reconnection time', (t) => {
  for (let i = 0; i < SAMPLES; i++) {
    const policy = new ReconnectPolicy({ reconnectionTime: 200, maxBackoff: 30000 })
    policy.failed()
    t.is(policy.delay(), 200)
  }
})

test('later failures back off with jitter, never below the reconnection time nor above the ceiling', (t) => {
  const policy = new ReconnectPolicy({ reconnectionTime: 10, maxBackoff: 50 })
  policy.failed()
  // Failure n (n >= 2) waits in the upper half of min(50, 10 * 2^(n-1)).
  for (const [failures, low, high] of [[2, 10, 20], [3, 20, 40], [4, 25, 50], [10, 25, 50]]) {
    while (policy.failures < failures) policy.failed()
    const delays = Array.from({ length: SAMPLES }, () => policy.delay())
    t.true(delays.every((d) => d >= low && d <= high), `failure ${failures}`)
    // Jitter: not all the same.
    t.true(new Set(delays).size > 1, `failure ${failures} is jittered`)
  }
  // A ceiling below the reconnection time does not shorten it.
  const capped = new ReconnectPolicy({ reconnectionTime: 100, maxBackoff: 10 })
  for (let i = 0; i < 5; i++) capped.failed()
  t.is(capped.delay(), 100)
})

test('a response starts the backoff over', (t) => {
  const policy = new ReconnectPolicy({ reconnectionTime: 10, maxBackoff: 1000 })
  for (let i = 0; i < 6; i++) policy.failed()
  t.true(policy.delay() > 10)
  policy.connected()
  t.is(policy.delay(), 10)
})

/**
 * A server that drops the first `drops` connections without an answer (a
 * network failure), then streams; `times` are when each request arrived.
 */
async function flakyServer (t, drops) {
  const times = []
  const server = await sseServer(t, (req, res, n) => {
    times.push(performance.now())
    if (n <= drops) return req.socket.destroy()
    res.writeHead(200, SSE_HEAD)
    res.write('data: up\n\n')
  })
  return { ...server, times }
}

test('events(): after a failed connection it waits at least retry', async (t) => {
  const retry = 300
  const server = await flakyServer(t, 1)
  const stream = events(server.url, { retry })
  t.teardown(() => stream.close())
  const { value } = await stream[Symbol.asyncIterator]().next()
  t.is(value.data, 'up')
  t.is(server.times.length, 2)
  t.true(server.times[1] - server.times[0] >= retry - TIMER_GRANULARITY, `waited ${server.times[1] - server.times[0]} ms`)
})

test('EventSource: after a failed connection it waits at least the reconnection time', async (t) => {
  // The first connection sets retry, then ends; the second is dropped; the
  // third must come at least `retry` after the second.
  const retry = 300
  const times = []
  const server = await sseServer(t, (req, res, n) => {
    times.push(performance.now())
    if (n === 1) return res.writeHead(200, SSE_HEAD).end(`retry: ${retry}\ndata: first\n\n`)
    if (n === 2) return req.socket.destroy()
    res.writeHead(200, SSE_HEAD).write('data: up\n\n')
  })
  const es = new EventSource(server.url)
  const { until } = record(t, es)
  await until((l) => l.some(([, , data]) => data === 'up'))
  t.is(times.length, 3)
  t.true(times[2] - times[1] >= retry - TIMER_GRANULARITY, `waited ${times[2] - times[1]} ms`)
})
