// What an open response body keeps alive through its request's signal, and
// that a signal nobody else holds still works. Each scenario runs in a child
// process started with --expose-gc, so that it can collect garbage when it
// needs to; the server is in this process.
import test from 'ava'
import { runNodeWith, lastJson } from './helpers/child.mjs'
import { fileURLToPath } from 'node:url'
import { httpServer } from './helpers/servers.mjs'

const entry = fileURLToPath(new URL('../index.js', import.meta.url))

/** A server whose body starts at once and then trickles until the client goes. */
async function tricklingServer (t) {
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.write('start')
    const timer = setInterval(() => res.write('.'), 20)
    res.on('close', () => clearInterval(timer))
  })
  return url
}

/**
 * Runs `script` (CommonJS, with `fetch` set to Node's or ferrofetch's and
 * `url` in scope) in a child process with --expose-gc and returns the JSON
 * it prints last.
 */
async function inChild (script, url, which) {
  const source = `const url = ${JSON.stringify(url)};
    const fetch = ${which === 'node' ? 'globalThis.fetch' : `require(${JSON.stringify(entry)}).fetch`};
    /** A few collections with turns in between, so finalizers and WeakRefs see them. */
    async function collect () {
      for (let i = 0; i < 5; i++) {
        globalThis.gc()
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    ${script}`
  return lastJson(await runNodeWith(['--expose-gc', '-e', source], { timeoutMs: 30_000 }))
}

// The signal is made inline and never kept: only the fetch (and Node's
// timer or composite bookkeeping) holds it. After a collection it must still
// fire, and fail the body with its reason. Its timeout is long enough for
// the head to come first; the phase in the result shows if it did not.
const UNHELD_SIGNAL = `
  (async () => {
    let res
    try {
      res = await fetch(url, { signal: SIGNAL })
    } catch (err) {
      console.log(JSON.stringify({ phase: 'head', name: err.name }))
      process.exit(0)
    }
    const reader = res.body.getReader()
    await reader.read()
    await collect()
    let error = null
    // Each read waits for a trickled byte (20 ms apart): 250 reads outlast
    // the signal's timeout a few times over.
    for (let i = 0; i < 250 && error === null; i++) {
      try {
        if ((await reader.read()).done) break
      } catch (err) {
        error = err
      }
    }
    reader.cancel().catch(() => {})
    console.log(JSON.stringify({ phase: 'body', name: error?.name ?? null, isDOMException: error instanceof DOMException }))
    process.exit(0)
  })()`

test("a timeout signal nobody else holds still fails the body after a garbage collection, as with Node's fetch", async (t) => {
  const url = await tricklingServer(t)
  const script = UNHELD_SIGNAL.replace('SIGNAL', 'AbortSignal.timeout(2000)')
  const node = await inChild(script, url, 'node')
  t.deepEqual(node, { phase: 'body', name: 'TimeoutError', isDOMException: true })
  t.deepEqual(await inChild(script, url, 'ferrofetch'), node)
})

// Seen on Node 20: after a collection, Node's fetch body is not failed when
// the composite's only source is a timeout signal nobody holds. Whatever
// Node does here, ours must do the same.
test("a composite signal of an unheld timeout signal does after a garbage collection what it does with Node's fetch", async (t) => {
  const url = await tricklingServer(t)
  const script = UNHELD_SIGNAL.replace('SIGNAL', 'AbortSignal.any([AbortSignal.timeout(2000)])')
  const node = await inChild(script, url, 'node')
  t.is(node.phase, 'body')
  t.deepEqual(await inChild(script, url, 'ferrofetch'), node)
})

test('an open body with a signal does not keep its Response, and the signal still aborts it', async (t) => {
  const url = await tricklingServer(t)
  const result = await inChild(`
    (async () => {
      const controller = new AbortController()
      let res = await fetch(url, { signal: controller.signal })
      const reader = res.body.getReader()
      await reader.read()
      const response = new WeakRef(res)
      res = null
      await collect()
      const responseCollected = response.deref() === undefined
      const reason = new Error('enough')
      controller.abort(reason)
      let error = null
      try {
        await reader.read()
      } catch (err) {
        error = err
      }
      console.log(JSON.stringify({ responseCollected, sameReason: error === reason }))
      process.exit(0)
    })()`, url, 'ferrofetch')
  t.deepEqual(result, { responseCollected: true, sameReason: true })
})
