// Requests made by another implementation (Node's own Request class, as ky
// passes them): fetch() and new Request() take them as Node's fetch does.
// Differential: the same foreign Request goes through Node's fetch and
// through ours, and the loopback server compares what it received.
import test from 'ava'
import { fetch, Request } from '../index.mjs'
import { httpServer } from './helpers/servers.mjs'
import { loadAnotherCopy } from './helpers/another-copy.mjs'

const NodeRequest = globalThis.Request
const nodeFetch = globalThis.fetch

// Headers each client adds on its own (their values differ by client and
// are not what these tests compare).
const CLIENT_HEADERS = ['host', 'user-agent', 'connection', 'keep-alive', 'accept-encoding', 'accept-language', 'sec-fetch-mode']

/** What the server received, comparable across clients (multipart boundaries and header order aside). */
function received (req, bytes) {
  const headers = {}
  for (const name of Object.keys(req.headers).sort()) {
    if (!CLIENT_HEADERS.includes(name)) headers[name] = req.headers[name]
  }
  let body = bytes.toString('latin1')
  const boundary = /boundary=(.+)$/.exec(headers['content-type'] ?? '')?.[1]
  if (boundary !== undefined) {
    headers['content-type'] = headers['content-type'].replace(boundary, 'B')
    body = body.split(boundary).join('B')
    if (headers['content-length'] !== undefined) {
      headers['content-length'] = String(Number(headers['content-length']) - (bytes.length - Buffer.byteLength(body, 'latin1')))
    }
  }
  return { method: req.method, url: req.url, headers, body }
}

/**
 * A server that records each request it receives and answers 200 with
 * 'ok'; /redirect-307 and /redirect-302 send the client to /echo.
 */
async function recordingServer (t) {
  const requests = []
  const server = await httpServer(t, (req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      requests.push(received(req, Buffer.concat(chunks)))
      const redirect = /^\/redirect-(\d+)$/.exec(req.url)
      if (redirect !== null) {
        res.writeHead(Number(redirect[1]), { location: '/echo' })
        return res.end()
      }
      res.end('ok')
    })
  })
  return { ...server, requests }
}

/** Sends `make()`'s request through `fetchFn`; what the server received for it. */
async function sendThrough (server, fetchFn, make, init) {
  server.requests.length = 0
  const response = await fetchFn(make(), init)
  const text = await response.text()
  return { status: response.status, text, requests: server.requests.slice() }
}

const jsonBody = JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'hi ü' }] })
const streamOf = (...chunks) => new ReadableStream({
  start (controller) {
    for (const c of chunks) controller.enqueue(new TextEncoder().encode(c))
    controller.close()
  }
})
const formData = () => {
  const form = new FormData()
  form.append('field', 'value')
  form.append('file', new Blob(['file bytes'], { type: 'text/plain' }), 'a.txt')
  return form
}

const foreignCases = [
  ['a GET with headers', (url) => new NodeRequest(`${url}/echo?q=1`, { headers: { 'X-Token': 'abc', Accept: 'application/json' } })],
  ['a POST of JSON text, with its Content-Length', (url) => new NodeRequest(`${url}/echo`, {
    method: 'POST', body: jsonBody, headers: { 'content-type': 'application/json' }
  })],
  ['a PUT of bytes', (url) => new NodeRequest(`${url}/echo`, { method: 'PUT', body: new Uint8Array([0, 1, 2, 255]) })],
  ['a POST of URLSearchParams', (url) => new NodeRequest(`${url}/echo`, { method: 'POST', body: new URLSearchParams('a=1&b=2 3') })],
  ['a POST of a typed Blob', (url) => new NodeRequest(`${url}/echo`, { method: 'POST', body: new Blob(['blob'], { type: 'application/x-thing' }) })],
  ['a POST of FormData with a file', (url) => new NodeRequest(`${url}/echo`, { method: 'POST', body: formData() })],
  ['a PATCH with an empty body', (url) => new NodeRequest(`${url}/echo`, { method: 'PATCH', body: '' })],
  ['a POST of a user stream, chunked', (url) => new NodeRequest(`${url}/echo`, {
    method: 'POST', body: streamOf('a', 'bc'), duplex: 'half'
  })],
  ['a DELETE without a body', (url) => new NodeRequest(`${url}/echo`, { method: 'delete' })]
]

for (const [what, make] of foreignCases) {
  test(`a Request made by Node's class is sent as Node's fetch sends it: ${what}`, async (t) => {
    const server = await recordingServer(t)
    const expected = await sendThrough(server, nodeFetch, () => make(server.url))
    t.deepEqual(await sendThrough(server, fetch, () => make(server.url)), expected)
  })
}

test("init overrides a foreign Request's method, headers and body, as Node's fetch does", async (t) => {
  const server = await recordingServer(t)
  const make = () => new NodeRequest(`${server.url}/echo`, { method: 'POST', body: 'old', headers: { 'x-old': '1' } })
  const init = { method: 'PUT', headers: { 'x-new': '2' }, body: 'new body' }
  const expected = await sendThrough(server, nodeFetch, make, init)
  t.deepEqual(await sendThrough(server, fetch, make, init), expected)
})

test("a foreign Request's text body follows a 307 and is sent again, as Node's fetch does", async (t) => {
  const server = await recordingServer(t)
  const make = () => new NodeRequest(`${server.url}/redirect-307`, { method: 'POST', body: 'replayed' })
  const expected = await sendThrough(server, nodeFetch, make)
  t.is(expected.requests.length, 2)
  t.deepEqual(await sendThrough(server, fetch, make), expected)
})

test("a foreign Request's redirect mode is honoured: manual returns the redirect, error rejects", async (t) => {
  const server = await recordingServer(t)
  const manual = await fetch(new NodeRequest(`${server.url}/redirect-302`, { redirect: 'manual' }))
  t.is(manual.status, 302)
  t.is(manual.headers.get('location'), '/echo')
  const viaNode = await nodeFetch(new NodeRequest(`${server.url}/redirect-302`, { redirect: 'error' })).catch((err) => err)
  const viaOurs = await fetch(new NodeRequest(`${server.url}/redirect-302`, { redirect: 'error' })).catch((err) => err)
  t.true(viaNode instanceof TypeError)
  t.true(viaOurs instanceof TypeError)
})

test("a foreign Request's aborted signal rejects with its reason and does no I/O", async (t) => {
  const server = await recordingServer(t)
  const reason = new Error('stop')
  const request = new NodeRequest(`${server.url}/echo`, { method: 'POST', body: 'x', signal: AbortSignal.abort(reason) })
  const err = await fetch(request).catch((e) => e)
  t.is(err, reason)
  t.deepEqual(server.requests, [])
  // Its body was cancelled, as Node's fetch leaves it: disturbed.
  const nodeRequest = new NodeRequest(`${server.url}/echo`, { method: 'POST', body: 'x', signal: AbortSignal.abort(reason) })
  t.is(await nodeFetch(nodeRequest).catch((e) => e), reason)
  t.is(request.bodyUsed, nodeRequest.bodyUsed)
})

test("aborting a foreign Request's signal mid-flight rejects the fetch with its reason", async (t) => {
  let arrived
  const arrival = new Promise((resolve) => { arrived = resolve })
  const server = await httpServer(t, () => arrived()) // never answers
  const controller = new AbortController()
  const pending = fetch(new NodeRequest(server.url, { signal: controller.signal }))
  await arrival
  const reason = new Error('mid-flight')
  controller.abort(reason)
  t.is(await pending.catch((e) => e), reason)
})

test("a foreign Request's body shows as used once fetch() returns, and cannot be sent twice", async (t) => {
  const server = await recordingServer(t)
  const run = async (fetchFn) => {
    const request = new NodeRequest(`${server.url}/echo`, { method: 'POST', body: 'once' })
    const pending = fetchFn(request)
    const usedAtOnce = request.bodyUsed
    await (await pending).text()
    const again = await fetchFn(request).then(() => 'resolved', (err) => err.constructor.name)
    return { usedAtOnce, again }
  }
  t.deepEqual(await run(fetch), await run(nodeFetch))
})

test("ky's flow: a Node Request with a JSON body, cloned, then fetched; both copies are sent and nothing hangs", async (t) => {
  t.timeout(15000)
  const server = await recordingServer(t)
  const flow = async (fetchFn) => {
    server.requests.length = 0
    const request = new NodeRequest(`${server.url}/echo`, {
      method: 'POST', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json' }
    })
    // ky keeps a clone for retries, then fetches the original.
    const retryCopy = request.clone()
    const first = await fetchFn(request, {})
    const firstText = await first.text()
    // A retry sends the clone.
    const second = await fetchFn(retryCopy, {})
    return { status: [first.status, second.status], texts: [firstText, await second.text()], requests: server.requests.slice() }
  }
  const expected = await flow(nodeFetch)
  t.is(expected.requests.length, 2)
  t.deepEqual(await flow(fetch), expected)
})

test('a foreign Request to a scheme fetch cannot fetch rejects with a TypeError and leaves its body used, as Node\'s fetch does', async (t) => {
  const run = async (fetchFn) => {
    const request = new NodeRequest('ftp://127.0.0.1/x', { method: 'POST', body: 'x' })
    const err = await fetchFn(request).catch((e) => e)
    return { error: err.constructor.name, message: err.message, bodyUsed: request.bodyUsed }
  }
  const ours = await run(fetch)
  t.deepEqual(ours, await run(nodeFetch))
  const err = await fetch(new NodeRequest('ftp://127.0.0.1/x')).catch((e) => e)
  t.is(err.cause?.code, 'ERR_FF_UNSUPPORTED_SCHEME')
})

// --- new Request(foreign) ----------------------------------------------------

/** What a user observes of a request made from another. */
async function observeCopy (R, make) {
  const input = make()
  let copy
  try {
    copy = new R(input)
  } catch (err) {
    return { threw: err.constructor.name }
  }
  const seen = {}
  for (const name of ['method', 'url', 'cache', 'credentials', 'mode', 'referrer', 'referrerPolicy',
    'integrity', 'keepalive', 'redirect', 'duplex', 'bodyUsed']) {
    seen[name] = copy[name]
  }
  seen.headers = [...copy.headers]
  seen.signalAborted = copy.signal.aborted
  seen.inputUsed = input.bodyUsed
  seen.text = await copy.text()
  return seen
}

const copyCases = [
  ['a POST with text and headers', () => new NodeRequest('http://example.com/a?b#c', {
    method: 'POST', body: 'text', headers: { 'X-A': '1' }, cache: 'no-store', redirect: 'manual'
  })],
  ['every attribute set', () => new NodeRequest('http://example.com/', {
    credentials: 'omit',
    mode: 'same-origin',
    referrer: 'http://ref.example/p',
    referrerPolicy: 'origin',
    integrity: 'sha256-x',
    keepalive: true,
    signal: AbortSignal.abort()
  })],
  ['a stream body', () => new NodeRequest('http://example.com/', { method: 'PUT', body: streamOf('s', 't'), duplex: 'half' })],
  ['a used body', () => {
    const used = new NodeRequest('http://example.com/', { method: 'POST', body: 'u' })
    used.text()
    return used
  }]
]

// Where a Node release's own Request departs from the Fetch standard, the
// standard's value is expected instead (as in request.spec.mjs): Node 24's
// undici resets the referrer and its policy of a Request made from a
// Request even when init is empty; §6.4 step 13 does so only "if init is
// not empty".
const NODE_MAJOR = Number(process.versions.node.split('.')[0])
const specOverrides = NODE_MAJOR >= 24
  ? { 'every attribute set': { referrer: 'http://ref.example/p', referrerPolicy: 'origin' } }
  : {}

for (const [what, make] of copyCases) {
  test(`new Request(a Request made by Node's class) is what Node's Request makes of it: ${what}`, async (t) => {
    const expected = { ...(await observeCopy(NodeRequest, make)), ...specOverrides[what] }
    t.deepEqual(await observeCopy(Request, make), expected)
  })
}

test('a ferrofetch Request made from a foreign one is fetched like the foreign one', async (t) => {
  const server = await recordingServer(t)
  const make = () => new NodeRequest(`${server.url}/echo`, { method: 'POST', body: 'via ours', headers: { 'x-a': '1' } })
  const expected = await sendThrough(server, nodeFetch, make)
  t.deepEqual(await sendThrough(server, fetch, () => new Request(make())), expected)
})

test('a Request made by another loaded copy of ferrofetch is taken like any other', async (t) => {
  const other = loadAnotherCopy()
  t.not(other.Request, Request)
  const server = await recordingServer(t)
  const make = () => new other.Request(`${server.url}/echo`, { method: 'POST', body: 'from the other copy', headers: { 'x-a': '1' } })
  const expected = await sendThrough(server, nodeFetch, () => new NodeRequest(`${server.url}/echo`, {
    method: 'POST', body: 'from the other copy', headers: { 'x-a': '1' }
  }))
  t.deepEqual(await sendThrough(server, fetch, make), expected)
  const copy = new Request(make())
  t.is(await copy.text(), 'from the other copy')
})
