// A request body's life outside the happy path: moved into a new Request,
// cancelled by an aborted signal before anything is sent, and the
// Content-Length of empty bodies. Each compared with Node's own classes.
import test from 'ava'
import { fetch, Request } from '../index.mjs'
import { httpServer } from './helpers/servers.mjs'

const NodeRequest = globalThis.Request
const nodeFetch = globalThis.fetch
const URL_A = 'http://example.com/upload'

const streamOf = (...chunks) => new ReadableStream({
  start (controller) {
    for (const c of chunks) controller.enqueue(new TextEncoder().encode(c))
    controller.close()
  }
})

/** A server that counts the connections made to it and answers with what it was sent. */
async function countingServer (t) {
  const server = await httpServer(t, (req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => res.end(JSON.stringify({
      method: req.method,
      contentLength: req.headers['content-length'] ?? null,
      transferEncoding: req.headers['transfer-encoding'] ?? null,
      body: Buffer.concat(chunks).toString()
    })))
  })
  const counter = { connections: 0 }
  server.server.on('connection', () => { counter.connections++ })
  return { ...server, counter }
}

// --- an aborted signal cancels the body (Fetch §6.6 step 4, "abort the fetch() call" step 2)

async function abortBeforeStart (fetchFn, url, reason) {
  const controller = new AbortController()
  controller.abort(reason)
  let cancelledWith = 'not cancelled'
  const body = new ReadableStream({
    pull () { return new Promise(() => {}) },
    cancel (why) { cancelledWith = why }
  })
  const pending = fetchFn(url, { method: 'POST', body, duplex: 'half', signal: controller.signal })
  const cancelledAtReturn = cancelledWith === controller.signal.reason
  const err = await pending.catch((e) => e)
  return { cancelledAtReturn, rejectedWithReason: err === controller.signal.reason, locked: body.locked }
}

test('an already aborted signal cancels a stream body with its reason before fetch() returns, rejects with it, and connects nowhere', async (t) => {
  const server = await countingServer(t)
  const reason = new Error('stopped before the start')
  const ours = await abortBeforeStart(fetch, server.url, reason)
  t.deepEqual(ours, { cancelledAtReturn: true, rejectedWithReason: true, locked: false })
  // A request made after it is the first to connect: the aborted one did no I/O.
  await (await fetch(server.url)).text()
  t.is(server.counter.connections, 1)
  t.deepEqual(await abortBeforeStart(nodeFetch, server.url, reason), ours)
})

test('an aborted signal without a reason cancels the stream body with the same AbortError it rejects with', async (t) => {
  const server = await countingServer(t)
  const ours = await abortBeforeStart(fetch, server.url, undefined)
  t.deepEqual(ours, { cancelledAtReturn: true, rejectedWithReason: true, locked: false })
  t.deepEqual(await abortBeforeStart(nodeFetch, server.url, undefined), ours)
})

test("an aborted Request's stream body is cancelled when it is fetched", async (t) => {
  const reason = new Error('request aborted')
  let cancelledWith = null
  const body = new ReadableStream({ cancel (why) { cancelledWith = why } })
  const request = new Request(URL_A, { method: 'POST', body, duplex: 'half', signal: AbortSignal.abort(reason) })
  const pending = fetch(request)
  t.is(cancelledWith, reason)
  t.is(await pending.catch((e) => e), reason)
})

// --- new Request(request) moves the body into a new stream (§6.4 step 41)

async function moveBody (R, init, touchBodyFirst) {
  const input = new R(URL_A, { method: 'POST', duplex: 'half', ...init })
  const old = touchBodyFirst ? input.body : null
  const copy = new R(input)
  const seen = {
    inputUsed: input.bodyUsed,
    inputLocked: input.body.locked,
    copyHasAStream: copy.body instanceof ReadableStream,
    copyUsed: copy.bodyUsed
  }
  if (touchBodyFirst) {
    seen.copyStreamIsNew = copy.body !== old
    seen.inputKeepsItsStream = input.body === old
  }
  seen.copyText = await copy.text()
  return seen
}

test('new Request(request) with a stream body gives a new stream of the same bytes; the input keeps its old, locked stream', async (t) => {
  const make = () => ({ body: streamOf('first ', 'second') })
  const ours = await moveBody(Request, make(), true)
  t.true(ours.copyStreamIsNew)
  t.true(ours.inputKeepsItsStream)
  t.deepEqual(ours, await moveBody(NodeRequest, make(), true))
})

test('new Request(request) whose text body was made a stream gives a new stream; the input keeps the old one', async (t) => {
  const ours = await moveBody(Request, { body: 'text body' }, true)
  t.true(ours.copyStreamIsNew)
  t.deepEqual(ours, await moveBody(NodeRequest, { body: 'text body' }, true))
})

test('new Request(request) leaves the input used and locked when its body was never touched', async (t) => {
  t.deepEqual(await moveBody(Request, { body: 'untouched' }, false), await moveBody(NodeRequest, { body: 'untouched' }, false))
})

test('the stream moved into a new Request is sent whole through fetch', async (t) => {
  const server = await countingServer(t)
  const input = new Request(server.url, { method: 'PUT', body: streamOf('a', 'b', 'c'), duplex: 'half' })
  const response = await fetch(new Request(input))
  t.like(JSON.parse(await response.text()), { method: 'PUT', body: 'abc', transferEncoding: 'chunked' })
})

// --- Content-Length of empty bodies (Fetch §4.5 steps 8–10) ----------------

const emptyCases = [
  ['a POST without a body', { method: 'POST' }],
  ['a PUT without a body', { method: 'PUT' }],
  ['a PATCH without a body', { method: 'PATCH' }],
  ['a PATCH with an empty string', { method: 'PATCH', body: '' }],
  ['a POST with empty bytes', { method: 'POST', body: new Uint8Array(0) }],
  ['a PROPFIND without a body', { method: 'PROPFIND' }],
  ['a DELETE without a body', { method: 'DELETE' }],
  ['a DELETE with an empty string', { method: 'DELETE', body: '' }],
  ['an OPTIONS with an empty string', { method: 'OPTIONS', body: '' }]
]

for (const [what, init] of emptyCases) {
  test(`the Content-Length of an empty body is Node's fetch's: ${what}`, async (t) => {
    const server = await countingServer(t)
    const send = async (fetchFn) => JSON.parse(await (await fetchFn(server.url, init)).text())
    t.deepEqual(await send(fetch), await send(nodeFetch))
  })
}
