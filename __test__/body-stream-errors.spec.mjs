// A response body stream whose connection fails after the consumer's last
// read: the stream errors at once, so `reader.closed` rejects with
// TypeError('terminated') without another read() (as with Node's fetch,
// which each case also runs through).
import test from 'ava'
import { fetch } from '../index.mjs'
import { httpServer } from './helpers/servers.mjs'

const nodeFetch = globalThis.fetch
const CLIENTS = [['ferrofetch', fetch], ['node', nodeFetch]]
/** How long a promise may stay pending before the test calls it a hang (a bound, not a speed requirement). */
const HANG_BOUND_MS = 10_000

/**
 * A server that sends `part` of a body (announced as 100 bytes, or chunked)
 * and destroys the socket once the test calls `cut()`.
 */
async function cuttingServer (t, { chunked }) {
  let cut
  const cutting = new Promise((resolve) => { cut = resolve })
  const { url } = await httpServer(t, async (req, res) => {
    res.writeHead(200, chunked ? {} : { 'content-length': '100' })
    res.write('part')
    await cutting
    res.socket.destroy()
  })
  return { url, cut }
}

/** Resolves with `promise`'s rejection, or fails the test if it stays pending past the hang bound or resolves. */
async function rejectionOf (t, promise, label) {
  let timer
  const hang = new Promise((resolve) => { timer = setTimeout(resolve, HANG_BOUND_MS, 'pending') })
  const outcome = await Promise.race([promise.then(() => 'resolved', (err) => ({ err })), hang])
  clearTimeout(timer)
  if (typeof outcome === 'string') t.fail(`${label}: ${outcome}`)
  return outcome.err
}

for (const chunked of [false, true]) {
  const framing = chunked ? 'a chunked body' : 'a Content-Length body'
  test(`reader.closed rejects with TypeError terminated when ${framing} is cut after the last read, as with Node's fetch`, async (t) => {
    for (const [name, fetchFn] of CLIENTS) {
      const { url, cut } = await cuttingServer(t, { chunked })
      const reader = (await fetchFn(url)).body.getReader()
      const first = await reader.read()
      t.is(new TextDecoder().decode(first.value), 'part', name)
      cut()
      const err = await rejectionOf(t, reader.closed, name)
      t.true(err instanceof TypeError, name)
      t.is(err?.message, 'terminated', name)
      // The stream stays errored with that same error.
      t.is(await t.throwsAsync(reader.read()), err, name)
    }
  })
}

test('a BYOB reader\'s closed rejects with TypeError terminated when the body is cut after the last read, as with Node\'s fetch', async (t) => {
  for (const [name, fetchFn] of CLIENTS) {
    const { url, cut } = await cuttingServer(t, { chunked: false })
    const reader = (await fetchFn(url)).body.getReader({ mode: 'byob' })
    const { value } = await reader.read(new Uint8Array(64))
    t.is(new TextDecoder().decode(value), 'part', name)
    cut()
    const err = await rejectionOf(t, reader.closed, name)
    t.true(err instanceof TypeError, name)
    t.is(err?.message, 'terminated', name)
  }
})

test('a body cut after the last read of a clone errors both branches, as with Node\'s fetch', async (t) => {
  for (const [name, fetchFn] of CLIENTS) {
    const { url, cut } = await cuttingServer(t, { chunked: true })
    const response = await fetchFn(url)
    const copy = response.clone()
    const readers = [response.body.getReader(), copy.body.getReader()]
    for (const reader of readers) t.is(new TextDecoder().decode((await reader.read()).value), 'part', name)
    cut()
    for (const reader of readers) {
      const err = await rejectionOf(t, reader.closed, name)
      t.true(err instanceof TypeError, name)
    }
  }
})
