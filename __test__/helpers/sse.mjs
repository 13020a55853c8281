// Helpers for event-stream tests: an SSE server that keeps every request,
// and a recorder of what an EventSource dispatches. Waits end on events,
// never on elapsed time.
import { httpServer, readBody } from './servers.mjs'

export const SSE_HEAD = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }

/**
 * An http server whose `handler(req, res, n)` sees the request number `n`
 * (1-based); every request's method, headers and body are kept in
 * `requests`, and `arrived(n)` resolves once `n` requests have come in.
 */
export async function sseServer (t, handler) {
  const requests = []
  const waiters = []
  const server = await httpServer(t, async (req, res) => {
    const body = (await readBody(req)).toString()
    requests.push({ method: req.method, url: req.url, headers: req.headers, body })
    for (const waiter of waiters.splice(0)) waiter()
    handler(req, res, requests.length)
  })
  const arrived = (n) => new Promise((resolve) => {
    const check = () => (requests.length >= n ? resolve() : waiters.push(check))
    check()
  })
  return { ...server, requests, arrived }
}

/**
 * Logs what `es` dispatches, as [type, readyState, detail...]; `until(fn)`
 * resolves once fn(log) holds. Closes `es` at teardown.
 */
export function record (t, es, types = ['open', 'message', 'error']) {
  const log = []
  const waiters = []
  for (const type of types) {
    es.addEventListener(type, (event) => {
      if (type === 'error') log.push([type, es.readyState, event.code])
      else if (type === 'open') log.push([type, es.readyState])
      else log.push([type, es.readyState, event.data, event.lastEventId])
      for (const waiter of waiters.splice(0)) waiter()
    })
  }
  t.teardown(() => es.close())
  const until = (predicate) => new Promise((resolve) => {
    const check = () => (predicate(log) ? resolve() : waiters.push(check))
    check()
  })
  return { log, until, count: (type) => log.filter(([kind]) => kind === type).length }
}

export const next = (target, type) => new Promise((resolve) => target.addEventListener(type, resolve, { once: true }))

/** Runs `Impl` against `server` until `done(log)`; returns the log. */
export async function scenario (t, Impl, url, done) {
  const es = new Impl(url)
  const { log, until } = record(t, es, ['open', 'message', 'tick', 'error'])
  await until(done)
  es.close()
  return log
}

/**
 * The data of the first message of a new EventSource on `url` (closed then,
 * and at the test's end); rejects on its first error.
 */
export async function firstMessageData (t, EventSourceImpl, url) {
  const source = new EventSourceImpl(url)
  t.teardown(() => source.close())
  const data = await new Promise((resolve, reject) => {
    source.onmessage = (event) => resolve(event.data)
    source.onerror = () => reject(new Error('EventSource failed'))
  })
  source.close()
  return data
}
