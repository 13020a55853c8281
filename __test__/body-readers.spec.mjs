// The Body mixin's readers (text, json, arrayBuffer, blob, bytes, formData)
// when the body cannot be read: Fetch §6.3 "consume body" returns an
// already-rejected promise, so a `.catch` attached at once runs before a
// microtask queued right after the call. Each case runs through ferrofetch
// and through Node's own fetch, and the observed order must be the same.
import test from 'ava'
import { fetch, Response } from '../index.mjs'
import { httpServer } from './helpers/servers.mjs'

const nodeFetch = globalThis.fetch
const READERS = ['text', 'json', 'arrayBuffer', 'blob', 'bytes', 'formData']
const CLIENTS = [['ferrofetch', fetch], ['node', nodeFetch]]
const RESPONSES = [['ferrofetch', Response], ['node', globalThis.Response]]

/**
 * A server whose responses are urlencoded (so formData() could succeed);
 * on /open the body never ends, so an abort finds it in flight.
 */
function formServer (t) {
  return httpServer(t, (req, res) => {
    res.setHeader('content-type', 'application/x-www-form-urlencoded')
    if (req.url === '/open') res.write('a=1')
    else res.end('a=1')
  })
}

/**
 * The rejection of a reader after an abort. Fetch's "abort fetch" errors the
 * body with the signal's reason, which ferrofetch uses; Node 20's fetch
 * rejects with an AbortError of its own instead.
 */
function assertAbortRejection (t, name, error, reason) {
  if (name === 'node') t.true(error === reason || error?.name === 'AbortError', name)
  else t.is(error, reason, name)
}

/**
 * Calls `response[reader]()`, attaches a catch at once, then queues a
 * microtask; resolves with the order the two ran in and the rejection.
 */
/**
 * Whether `name` behaves as Node 20 and 22 do with an aborted body: Node
 * 24's bundled undici (7) rejects its reader one microtask late, against
 * Fetch's "consume body" steps, and marks the body used; ferrofetch keeps
 * the spec's order, and the body unused, everywhere.
 */
const NODE_MAJOR = Number(process.versions.node.split('.')[0])
const keepsSpecOrder = (name) => name !== 'node' || NODE_MAJOR < 24

async function orderOfRejection (response, reader) {
  const order = []
  let error = null
  const settled = response[reader]().then(
    () => order.push('resolved'),
    (err) => {
      error = err
      order.push('catch')
    })
  Promise.resolve().then(() => order.push('then'))
  await settled
  return { order, error }
}

/** A response of `fetchFn` whose signal is aborted once the head arrived, with `reason`. */
async function abortedResponse (fetchFn, url, reason) {
  const controller = new AbortController()
  const response = await fetchFn(url, { signal: controller.signal })
  controller.abort(reason)
  return response
}

for (const reader of READERS) {
  test(`${reader}() of an unread body whose signal aborted rejects at once with the reason, as Node's`, async (t) => {
    const { url } = await formServer(t)
    for (const [name, fetchFn] of CLIENTS) {
      const reason = new Error(`abort ${name}`)
      const response = await abortedResponse(fetchFn, `${url}/open`, reason)
      const { order, error } = await orderOfRejection(response, reader)
      if (keepsSpecOrder(name)) t.deepEqual(order, ['catch', 'then'], name)
      assertAbortRejection(t, name, error, reason)
      // Node 20 and 22 leave such a body unused, and so do we (Node 24's
      // undici marks it used).
      if (keepsSpecOrder(name)) t.false(response.bodyUsed, name)
    }
  })

  test(`${reader}() rejects at once with the reason also when the aborted body's stream was touched, as Node's`, async (t) => {
    const { url } = await formServer(t)
    for (const [name, fetchFn] of CLIENTS) {
      const reason = new Error(`abort ${name}`)
      const response = await abortedResponse(fetchFn, `${url}/open`, reason)
      t.not(response.body, null, name)
      const { order, error } = await orderOfRejection(response, reader)
      if (keepsSpecOrder(name)) t.deepEqual(order, ['catch', 'then'], name)
      assertAbortRejection(t, name, error, reason)
    }
  })

  test(`${reader}() of a used body rejects at once with a TypeError, as Node's`, async (t) => {
    const { url } = await formServer(t)
    for (const [name, fetchFn] of CLIENTS) {
      const response = await fetchFn(url)
      await response.arrayBuffer()
      t.true(response.bodyUsed, name)
      const { order, error } = await orderOfRejection(response, reader)
      t.deepEqual(order, ['catch', 'then'], name)
      t.true(error instanceof TypeError, name)
    }
  })

  test(`${reader}() of a locked body rejects at once with a TypeError, as Node's`, async (t) => {
    const { url } = await formServer(t)
    for (const [name, fetchFn] of CLIENTS) {
      const response = await fetchFn(url)
      const lock = response.body.getReader()
      const { order, error } = await orderOfRejection(response, reader)
      t.deepEqual(order, ['catch', 'then'], name)
      t.true(error instanceof TypeError, name)
      await lock.cancel()
    }
  })

  test(`${reader}() of a used constructed Response rejects at once with a TypeError, as Node's Response`, async (t) => {
    for (const [name, ResponseClass] of RESPONSES) {
      const response = new ResponseClass('a=1', { headers: { 'content-type': 'application/x-www-form-urlencoded' } })
      await response.text()
      const { order, error } = await orderOfRejection(response, reader)
      t.deepEqual(order, ['catch', 'then'], name)
      t.true(error instanceof TypeError, name)
    }
  })
}

test('a reader called on something that is not a Response rejects (does not throw) with a TypeError, as Node\'s', async (t) => {
  const { url } = await formServer(t)
  for (const [name, fetchFn] of CLIENTS) {
    const response = await fetchFn(url)
    for (const reader of READERS) {
      let promise
      t.notThrows(() => { promise = response[reader].call({}) }, `${name} ${reader}`)
      await t.throwsAsync(promise, { instanceOf: TypeError }, `${name} ${reader}`)
    }
    await response.body.cancel()
  }
})
