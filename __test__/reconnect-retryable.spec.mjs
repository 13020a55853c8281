// Reconnection rule: which failures are worth a reconnection (HTML §9.2.2
// step 15.2, "unless the user agent knows that to be futile"). One
// predicate, isRetryable in lib/reconnect.js, decides for events() and
// EventSource alike: network failures are retried (a TypeError with a
// cause, whether or not the cause has a code; a TimeoutError; whatever else
// a custom fetch rejects with), while an abort, a refused request, a closed
// client and an over-size line or event end the stream.
import test from 'ava'
import { createRequire } from 'node:module'
import { EventSource as NpmEventSource } from 'eventsource'
import { events, fetch, EventSource } from '../index.mjs'
import { SSE_HEAD, sseServer, record } from './helpers/sse.mjs'

const require = createRequire(import.meta.url)
const { isRetryable } = require('../lib/reconnect.js')

const withCode = (code) => Object.assign(new Error(code), { code })

test('which errors are retried', (t) => {
  const cases = [
    [new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') }), true],
    // The case the two old checks disagreed on.
    [new TypeError('fetch failed', { cause: new Error('socket hang up') }), true],
    [new TypeError('terminated', { cause: withCode('ECONNRESET') }), true],
    [new DOMException('timed out', 'TimeoutError'), true],
    [new Error('a custom fetch failed'), true],
    [new TypeError('Invalid header name'), false],
    [new RangeError("'timeout' must be >= 0"), false],
    [new DOMException('This operation was aborted', 'AbortError'), false],
    [new TypeError('fetch failed', { cause: withCode('ERR_FF_CLIENT_CLOSED') }), false],
    [new TypeError('fetch failed', { cause: withCode('ERR_FF_UNSUPPORTED_SCHEME') }), false],
    [new TypeError('too large', { cause: withCode('ERR_FF_SSE_TOO_LARGE') }), false],
    [new TypeError('Failed to parse URL from x', { cause: withCode('ERR_INVALID_URL') }), false],
    [Object.assign(new Error('ferrofetch internal error'), { code: 'ERR_FF_INTERNAL' }), false]
  ]
  for (const [err, expected] of cases) t.is(isRetryable(err), expected, `${err.name}: ${err.message}`)
})

/** A fetch that fails on its second call with `error`, and is ferrofetch's otherwise. */
function failingSecond (error) {
  let calls = 0
  return (url, init) => (++calls === 2 ? Promise.reject(error) : fetch(url, init))
}

test('EventSource reconnects after a TypeError whose cause has no code, as the npm eventsource package', async (t) => {
  // The first stream sets a 1 ms reconnection time and ends; the second
  // attempt fails so; the third must follow.
  const handler = (req, res, n) => res.writeHead(200, SSE_HEAD).end(`retry: 1\ndata: ${n}\n\n`)
  const logs = []
  for (const Impl of [NpmEventSource, EventSource]) {
    const server = await sseServer(t, handler)
    const error = new TypeError('fetch failed', { cause: new Error('socket hang up') })
    const es = new Impl(server.url, { fetch: failingSecond(error) })
    const { log, until } = record(t, es)
    await until((l) => l.some(([type, , data]) => type === 'message' && data === '2'))
    es.close()
    logs.push(log.slice(0, 6))
  }
  t.deepEqual(logs[1], logs[0])
  t.deepEqual(logs[1], [
    ['open', 1], ['message', 1, '1', ''], ['error', 0, undefined],
    ['error', 0, undefined], ['open', 1], ['message', 1, '2', '']
  ])
})

test('events() ends with ERR_FF_SSE_TOO_LARGE on an over-size line and does not reconnect', async (t) => {
  // Were it to reconnect, the 204 would end the iterator cleanly and hide
  // the error.
  const server = await sseServer(t, (req, res, n) => {
    if (n > 1) return res.writeHead(204).end()
    res.writeHead(200, SSE_HEAD)
    res.end(`retry: 1\ndata: small\n\ndata: ${'x'.repeat(4096)}\n\n`)
  })
  const stream = events(server.url, { maxSize: 1024 })
  const it = stream[Symbol.asyncIterator]()
  t.is((await it.next()).value.data, 'small')
  const err = await it.next().catch((e) => e)
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ERR_FF_SSE_TOO_LARGE')
  t.deepEqual(await it.next(), { value: undefined, done: true })
  t.is(server.requests.length, 1)
})

test('events() ends with ERR_FF_SSE_TOO_LARGE on an over-size event of short lines', async (t) => {
  const server = await sseServer(t, (req, res, n) => {
    if (n > 1) return res.writeHead(204).end()
    res.writeHead(200, SSE_HEAD)
    res.end('retry: 1\n' + 'data: 0123456789abcdef\n'.repeat(200) + '\n')
  })
  const err = await events(server.url, { maxSize: 1024 }).next().catch((e) => e)
  t.is(err.cause?.code, 'ERR_FF_SSE_TOO_LARGE')
  t.is(server.requests.length, 1)
})

test('EventSource: an over-size line fails the connection with the eventsource package message, no reconnection', async (t) => {
  for (const option of ['maxSize', 'maxBufferSize']) {
    const server = await sseServer(t, (req, res) => {
      res.writeHead(200, SSE_HEAD)
      res.end(`retry: 1\ndata: small\n\ndata: ${'x'.repeat(4096)}\n\n`)
    })
    const es = new EventSource(server.url, { [option]: 1024 })
    const { log, until } = record(t, es)
    let message
    es.addEventListener('error', (e) => { message = e.message })
    await until((l) => l.some(([type]) => type === 'error'))
    t.regex(message, /Buffered data exceeded max buffer size/, option)
    t.deepEqual(log, [['open', 1], ['message', 1, 'small', ''], ['error', 2, undefined]], option)
    t.is(es.readyState, EventSource.CLOSED)
    t.is(server.requests.length, 1)
  }
  t.throws(() => new EventSource('http://127.0.0.1:9/', { maxBufferSize: 0 }), { instanceOf: RangeError })
})

test('events() retries a read timeout (a TimeoutError) and resumes', async (t) => {
  // The first stream goes silent past readTimeout; the second delivers.
  const server = await sseServer(t, (req, res, n) => {
    res.writeHead(200, SSE_HEAD)
    if (n === 1) res.write('retry: 1\n\n')
    else res.write('data: resumed\n\n')
  })
  const stream = events(server.url, { readTimeout: 100 })
  t.teardown(() => stream.close())
  t.is((await stream[Symbol.asyncIterator]().next()).value.data, 'resumed')
  t.is(server.requests.length, 2)
})
