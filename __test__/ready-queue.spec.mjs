// The ready-queue (src/ready_queue.rs, lib/ready.js): completions of all
// exchanges reach JS through one queue, each settles its own waiter, and
// only waits a user's promise depends on keep the process alive.
import test from 'ava'
import { runNode } from './helpers/child.mjs'
import { fileURLToPath } from 'node:url'

import { createRequire } from 'node:module'

import { fetch } from '../index.js'
import { httpServer } from './helpers/servers.mjs'

const require = createRequire(import.meta.url)
const { binding } = require('../lib/native.js')

const entry = fileURLToPath(new URL('../index.js', import.meta.url))

/**
 * Runs `script` (with `url` and `fetch`/`events` defined) in a fresh Node
 * process. `onLine(line)` sees each stdout line as it comes. Resolves with
 * the exit code (or 'killed (hang)' after 20 s, a bound for the test, not
 * a speed requirement) and all stdout lines.
 */
function runChild (url, script, onLine = () => {}) {
  const source = `const { fetch, events } = require(${JSON.stringify(entry)}); const url = ${JSON.stringify(url)};
    (async () => { ${script} })().catch((err) => { console.error(err); process.exit(3) })`
  const lines = []
  let seen = 0
  // Each whole stdout line, once, as it comes.
  const onOutput = (stdout) => {
    let i
    while ((i = stdout.indexOf('\n', seen)) >= 0) {
      const line = stdout.slice(seen, i)
      seen = i + 1
      lines.push(line)
      onLine(line)
    }
  }
  return runNode(source, { onOutput }).then(({ code, stderr }) => ({ code, lines, stderr }))
}

test('the process exits while a partly read body waits on a server that went silent', async (t) => {
  // The body stream arms a background wait once the reader stops; it must
  // not keep the process alive (DESIGN §3).
  const { url } = await httpServer(t, (req, res) => res.write('first'))
  const { code, lines, stderr } = await runChild(url, `
    const reader = (await fetch(url)).body.getReader()
    const { value } = await reader.read()
    console.log('read ' + value.length)`)
  t.is(code, 0, stderr)
  t.deepEqual(lines, ['read 5'])
})

test('a pending read keeps the process alive until its data arrives', async (t) => {
  let sendRest
  const { url } = await httpServer(t, (req, res) => {
    res.write('first')
    sendRest = () => res.end('second')
  })
  const { code, lines, stderr } = await runChild(url, `
    const reader = (await fetch(url)).body.getReader()
    const first = await reader.read()
    console.log('waiting ' + first.value.length)
    const rest = await reader.read()
    console.log('got ' + Buffer.from(rest.value).toString())`, (line) => {
    // Long enough for an event loop with nothing keeping it alive to
    // have ended; the test checks the outcome, not the time.
    if (line.startsWith('waiting')) setTimeout(() => sendRest(), 300)
  })
  t.is(code, 0, stderr)
  t.deepEqual(lines, ['waiting 5', 'got second'])
})

test('a pending events() iterator keeps the process alive until the next event', async (t) => {
  let sendNext
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: one\n\n')
    sendNext = () => res.end('data: two\n\n')
  })
  const { code, lines, stderr } = await runChild(url, `
    const it = events(url)
    console.log('got ' + (await it.next()).value.data)
    console.log('got ' + (await it.next()).value.data)
    it.close()`, (line) => {
    if (line === 'got one') setTimeout(() => sendNext(), 300)
  })
  t.is(code, 0, stderr)
  t.deepEqual(lines, ['got one', 'got two'])
})

test('fetch() waiting for its response head keeps the process alive until the head arrives', async (t) => {
  let arrived
  const requestArrived = new Promise((resolve) => { arrived = resolve })
  const { url } = await httpServer(t, (req, res) => arrived(() => res.end('late')))
  const { code, lines, stderr } = await runChild(url, `
    const pending = fetch(url)
    console.log('asked')
    const res = await pending
    console.log('status ' + res.status + ' ' + await res.text())`, (line) => {
    // The request may reach the server after the line: wait for both,
    // then long enough for an event loop with nothing keeping it alive
    // to have ended (the outcome is checked, not the time).
    if (line === 'asked') requestArrived.then((sendHead) => setTimeout(sendHead, 300))
  })
  t.is(code, 0, stderr)
  t.deepEqual(lines, ['asked', 'status 200 late'])
})

test('many exchanges completing at once each get their own head and body', async (t) => {
  // More completions than one drain round takes (lib/ready.js reads 1,024
  // per round), released together so that they queue up.
  const count = 1500
  const held = []
  const { server, url } = await httpServer(t, (req, res) => {
    held.push(() => res.writeHead(200, { 'x-path': req.url }).end(`body of ${req.url}`))
    if (held.length === count) held.forEach((send) => send())
  })
  server.maxConnections = count + 10
  const results = await Promise.all(Array.from({ length: count }, async (_, i) => {
    const res = await fetch(`${url}/r${i}`)
    return [res.headers.get('x-path'), await res.text()]
  }))
  results.forEach(([path, text], i) => {
    if (path !== `/r${i}` || text !== `body of /r${i}`) t.fail(`request ${i} got ${path} / ${text}`)
  })
  t.is(results.length, count)
})

// Patches NativeExchange's prototype: serial, so that it runs alone.
test.serial('an event stream that waits between events gets each batch from the drain, not from a read of its own', async (t) => {
  // Each event is sent only once the one before it arrived, so the
  // iterator waits before each. The first read that finds nothing arms the
  // stream's wait; from then on the drain hands over each batch and re-arms
  // it: no read per event, and never a second crossing (watchReadable).
  let res = null
  const { url } = await httpServer(t, (req, response) => {
    res = response
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: 0\n\n')
  })
  const proto = binding.NativeExchange.prototype
  const { readEvents, watchReadable } = proto
  const counts = { readEvents: 0, watchReadable: 0 }
  proto.readEvents = function (...args) { counts.readEvents++; return readEvents.apply(this, args) }
  proto.watchReadable = function (...args) { counts.watchReadable++; return watchReadable.apply(this, args) }
  t.teardown(() => { proto.readEvents = readEvents; proto.watchReadable = watchReadable })
  const got = []
  for await (const event of (await fetch(url)).events()) {
    got.push(event.data)
    const n = got.length
    // Five events, then the end: bounded.
    if (n < 5) setTimeout(() => res.write(`data: ${n}\n\n`), 20)
    else setTimeout(() => res.end(), 20)
  }
  t.deepEqual(got, ['0', '1', '2', '3', '4'])
  t.is(counts.watchReadable, 0)
  // The first event may already be there at the first read; the read
  // after it arms the wait. Without the drain's hand-over: six or more.
  t.true(counts.readEvents >= 1 && counts.readEvents <= 2, `${counts.readEvents} reads`)
})
