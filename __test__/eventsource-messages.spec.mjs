// EventSource errors carry the npm `eventsource` package's messages, since
// code and tests match on them; each case runs through both and compares.
// (The over-size message is in reconnect-retryable.spec.mjs.)
import test from 'ava'
import { EventSource as NpmEventSource } from 'eventsource'
import { EventSource } from '../index.mjs'
import { SSE_HEAD, record } from './helpers/sse.mjs'

/** The error `fn` throws (ava's t.throws takes Error instances only, and DOMException is none in Node 20). */
function thrown (fn) {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}

test('an invalid URL throws a SyntaxError DOMException with the DOMException default message', (t) => {
  for (const url of ['not a url', '/relative', 'http://[bad']) {
    const theirs = thrown(() => new NpmEventSource(url))
    const ours = thrown(() => new EventSource(url))
    t.true(ours instanceof DOMException, url)
    t.is(ours.name, theirs.name, url)
    t.is(ours.message, theirs.message, url)
    t.is(ours.message, 'An invalid or illegal string was specified')
  }
})

/** A fetch whose response has a body that is no web ReadableStream. */
function fetchWithBody (body) {
  return async () => ({
    status: 200,
    ok: true,
    url: 'http://127.0.0.1:9/',
    redirected: false,
    headers: new Headers({ 'content-type': 'text/event-stream' }),
    body
  })
}

test('a fetch returning a body that is no web ReadableStream fails the connection as the package does', async (t) => {
  for (const [what, body] of [['null', null], ['a string', 'data: x\n\n'], ['an async iterable', [Buffer.from('data: x\n\n')]]]) {
    const logs = []
    const messages = []
    for (const Impl of [NpmEventSource, EventSource]) {
      const es = new Impl('http://127.0.0.1:9/', { fetch: fetchWithBody(body) })
      const { log, until } = record(t, es)
      let message
      es.addEventListener('error', (e) => { message = e.message })
      await until((l) => l.some(([type]) => type === 'error'))
      logs.push(log)
      messages.push(message)
      t.is(es.readyState, EventSource.CLOSED, what)
    }
    t.deepEqual(logs[1], logs[0], what)
    t.deepEqual(logs[1], [['open', 1], ['error', 2, 200]], what)
    t.is(messages[1], messages[0], what)
    t.is(messages[1], 'Invalid response body, expected a web ReadableStream')
  }
})

test("a fetch returning another implementation's Response with a web stream body still works", async (t) => {
  // The check applies to the body, not to the Response's class.
  const stream = new Response('data: fine\n\n', { headers: SSE_HEAD }).body
  const es = new EventSource('http://127.0.0.1:9/', { fetch: fetchWithBody(stream) })
  const { log, until } = record(t, es)
  await until((l) => l.some(([type]) => type === 'message'))
  t.deepEqual(log.slice(0, 2), [['open', 1], ['message', 1, 'fine', '']])
})
