// Differential runs for drop-in behaviour: the same scenario once with Node's
// own fetch and once with ferrofetch's, so a test compares what a program
// observes through a real client library instead of restating it.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { fetch: ferrofetchFetch } = require('../../index.js')

/** Node's global fetch (undici), captured before anything can replace it. */
export const nodeFetch = globalThis.fetch

/**
 * Runs `scenario(fetch)` with Node's fetch, then with ferrofetch's (one after
 * the other, so that they never share a server's request count), and returns
 * `{ node, ferrofetch }`: what each run resolved with.
 */
export async function runBoth (scenario) {
  const node = await scenario(nodeFetch)
  const ferrofetch = await scenario(ferrofetchFetch)
  return { node, ferrofetch }
}

/**
 * What a client library's failure looks like to a program: its class, the
 * fields SDK users branch on, and the same for its cause (one level: below
 * it, Node's fetch and ferrofetch each carry their own detail, compared by
 * the tests of fetch itself). Null for no error.
 */
export function describeError (error, depth = 1) {
  if (error === undefined || error === null) return null
  return {
    class: error.constructor?.name,
    name: error.name,
    message: error.message,
    status: error.status,
    cause: error.cause === undefined || depth === 0 ? undefined : describeError(error.cause, depth - 1)
  }
}

/**
 * Resolves as `promise` does, or with `fallback` after `ms` (unref'd): for
 * waiting on something a broken client would never cause (a server-side
 * close, an event), so that the comparison shows it instead of the test
 * timing out.
 */
export function within (promise, fallback = 'still open', ms = 10_000) {
  let timer
  const bound = new Promise((resolve) => { timer = setTimeout(resolve, ms, fallback); timer.unref() })
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer))
}

/**
 * What a program can observe of a whole response, for comparing one that
 * ferrofetch answered with one Node's fetch answered: the body as its bytes,
 * or null when there is none (a HEAD, say). Reads the body.
 */
export async function describeResponse (response) {
  return {
    status: response.status,
    statusText: response.statusText,
    url: response.url,
    type: response.type,
    redirected: response.redirected,
    headers: [...response.headers],
    body: response.body === null ? null : [...new Uint8Array(await response.arrayBuffer())]
  }
}

/** What `promise` rejects with; throws when it resolves instead. */
export const settle = (promise) => promise.then(() => { throw new Error('expected a rejection') }, (error) => error)

/**
 * Fetches `input` with `init` through ferrofetch and through Node's fetch
 * and asserts that both fail alike: a TypeError (with the same message
 * unless `sameMessage` is false), ours with `cause.code` `code`. Returns
 * `{ ours, nodes }`, the two errors.
 */
export async function assertFailsAsNodeFetch (t, code, input, init, { label, sameMessage = true } = {}) {
  const ours = await settle(ferrofetchFetch(input, init))
  const nodes = await settle(nodeFetch(input, init))
  t.true(nodes instanceof TypeError, label)
  t.true(ours instanceof TypeError, label)
  if (sameMessage) t.is(ours.message, nodes.message, label)
  t.is(ours.cause?.code, code, label)
  return { ours, nodes }
}
