// undici's request lifecycle on node:diagnostics_channel: the same request
// through Node's own fetch and through ferrofetch, with the messages each
// publishes compared (channel order, message keys, request and response
// fields). Subscriptions are process-wide, so each recording keeps only the
// messages about its own server's origin.
import test from 'ava'
import diagnosticsChannel from 'node:diagnostics_channel'
import { fetch, upload, events, EventSource, Client } from '../index.mjs'
import { httpServer, closedPort, readBody, sleep } from './helpers/servers.mjs'
import { firstMessageData } from './helpers/sse.mjs'

const CHANNELS = ['create', 'bodySent', 'headers', 'trailers', 'error'].map((name) => `undici:request:${name}`)

/** Records the request channels' messages about `origin` until the test ends. */
function record (t, origin, { onCreate = null } = {}) {
  const messages = []
  for (const name of CHANNELS) {
    const onMessage = (message) => {
      if (message.request.origin !== origin) return
      if (name.endsWith(':create') && onCreate !== null) onCreate(message.request)
      messages.push({ channel: name.slice('undici:request:'.length), message, completed: message.request.completed })
    }
    diagnosticsChannel.subscribe(name, onMessage)
    t.teardown(() => diagnosticsChannel.unsubscribe(name, onMessage))
  }
  return messages
}

/** A server for `handler`, the messages about it, and its URL. */
async function observedServer (t, handler, options) {
  const { url } = await httpServer(t, handler)
  return { url, messages: record(t, url, options) }
}

const channelsOf = (messages) => messages.map((m) => m.channel)

/** What a program can read of a message, without the values that differ per run. */
function shapeOf ({ channel, message, completed }) {
  const shape = { channel, keys: Object.keys(message).sort(), completed }
  const { request } = message
  shape.request = { method: request.method, path: request.path, headersIsArray: Array.isArray(request.headers) }
  if (message.response !== undefined) {
    const { statusCode, statusText, headers } = message.response
    shape.response = {
      statusCode,
      statusText,
      headersAreBuffers: headers.every((h) => Buffer.isBuffer(h)),
      flat: headers.length % 2 === 0,
      xReply: headerValue(headers, 'x-reply')
    }
  }
  if (message.trailers !== undefined) shape.trailers = message.trailers
  if (message.error !== undefined) {
    shape.error = { name: message.error.name, code: message.error.code, isError: message.error instanceof Error }
  }
  return shape
}

function headerValue (flat, name) {
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i].toString('latin1').toLowerCase() === name) return flat[i + 1].toString('latin1')
  }
  return null
}

/** The request channels; the client channels are compared in diagnostics-client-channels.spec.mjs. */
const PUBLISHED = new Set(['create', 'headers', 'trailers', 'error'])
const comparable = (messages) => messages.filter((m) => PUBLISHED.has(m.channel)).map(shapeOf)

const replying = (req, res) => {
  readBody(req).then(() => {
    res.setHeader('x-reply', 'yes')
    res.end(`traceparent=${req.headers.traceparent}`)
  })
}

/** Runs `call(fetchFn, url)` against a fresh server through each fetch. */
async function bothWays (t, handler, call, options) {
  const node = await observedServer(t, handler, options)
  const ours = await observedServer(t, handler, options)
  const nodeResult = await call(globalThis.fetch, node.url)
  const ourResult = await call(fetch, ours.url)
  return { node: node.messages, ours: ours.messages, nodeResult, ourResult, ourUrl: ours.url }
}

test('a GET publishes create, headers and trailers with the shapes Node’s fetch publishes', async (t) => {
  const { node, ours, ourUrl } = await bothWays(t, replying, async (fetchFn, url) => {
    const response = await fetchFn(`${url}/path?q=1`, { headers: { 'X-Asked': 'me' } })
    return response.text()
  })
  t.deepEqual(comparable(ours), comparable(node))
  // Without a request body, bodySent too comes where Node's fetch has it.
  t.deepEqual(channelsOf(ours), ['create', 'bodySent', 'headers', 'trailers'])
  t.deepEqual(channelsOf(ours), channelsOf(node))
  const { request } = ours[0].message
  t.is(request.origin, ourUrl)
  t.is(request.method, 'GET')
  t.is(request.path, '/path?q=1')
  t.is(request.headers[0].toLowerCase(), 'x-asked')
  t.is(request.headers[1], 'me')
  t.is(ours[2].message.response.statusCode, 200)
  t.is(ours[2].message.response.statusText, 'OK')
})

test('every message about one request carries the same request object', async (t) => {
  const { url, messages } = await observedServer(t, replying)
  await (await fetch(url)).text()
  t.true(messages.length >= 3)
  for (const m of messages) t.is(m.message.request, messages[0].message.request)
})

test('request.completed turns true with trailers, as in Node’s fetch', async (t) => {
  const { node, ours } = await bothWays(t, replying, async (fetchFn, url) => (await fetchFn(url)).text())
  const completedAt = (messages) => messages.filter((m) => m.completed).map((m) => m.channel)
  t.deepEqual(completedAt(ours), ['trailers'])
  t.deepEqual(completedAt(ours), completedAt(node))
})

test('a header added with addHeader() on create is sent, as by Node’s fetch', async (t) => {
  const onCreate = (request) => request.addHeader('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
  const { nodeResult, ourResult, ours } = await bothWays(t, replying, async (fetchFn, url) => (await fetchFn(url)).text(), { onCreate })
  t.is(ourResult, 'traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
  t.is(ourResult, nodeResult)
  // The added header shows in request.headers of the later messages.
  t.deepEqual(ours.at(-1).message.request.headers.slice(-2), ['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'])
})

test('a header pushed onto request.headers on create is sent, as by Node’s fetch', async (t) => {
  const onCreate = (request) => request.headers.push('traceparent', 'pushed')
  const { nodeResult, ourResult } = await bothWays(t, replying, async (fetchFn, url) => (await fetchFn(url)).text(), { onCreate })
  t.is(ourResult, 'traceparent=pushed')
  t.is(ourResult, nodeResult)
})

test('addHeader() with an invalid name throws undici’s InvalidArgumentError and sends nothing extra', async (t) => {
  const thrown = []
  const onCreate = (request) => {
    try {
      request.addHeader('bad name', 'x')
    } catch (err) {
      thrown.push({ name: err.name, code: err.code, isError: err instanceof Error })
    }
  }
  const { nodeResult, ourResult } = await bothWays(t, replying, async (fetchFn, url) => (await fetchFn(url)).text(), { onCreate })
  t.deepEqual(thrown[1], { name: 'InvalidArgumentError', code: 'UND_ERR_INVALID_ARG', isError: true })
  t.deepEqual(thrown[1], thrown[0])
  t.is(ourResult, nodeResult)
})

test('a POST publishes the request’s content-type header and the response, as Node’s fetch', async (t) => {
  const { node, ours } = await bothWays(t, replying, async (fetchFn, url) => (await fetchFn(url, { method: 'POST', body: 'hello' })).text())
  t.deepEqual(comparable(ours), comparable(node))
  const headers = ours[0].message.request.headers
  t.deepEqual(headers.slice(0, 2), ['content-type', 'text/plain;charset=UTF-8'])
})

test('a request body publishes bodySent once sent, before headers, as Node’s fetch', async (t) => {
  const { node, ours } = await bothWays(t, replying, async (fetchFn, url) => (await fetchFn(url, { method: 'POST', body: 'hello' })).text())
  t.deepEqual(channelsOf(ours), ['create', 'bodySent', 'headers', 'trailers'])
  t.deepEqual(channelsOf(ours), channelsOf(node))
  t.deepEqual(shapeOf(ours[1]), shapeOf(node[1]))
})

test('an observed request body goes with its Content-Length, as Node’s fetch sends it', async (t) => {
  const call = async (fetchFn, url) => JSON.parse(await (await fetchFn(url, { method: 'PUT', body: 'hello' })).text())
  const { nodeResult, ourResult, ours } = await bothWays(t, rawHeaders, call)
  t.true(channelsOf(ours).includes('bodySent'))
  const lengthOf = (flat) => flat[namesOf(flat).indexOf('content-length') * 2 + 1]
  t.is(lengthOf(ourResult), '5')
  t.is(lengthOf(ourResult), lengthOf(nodeResult))
  t.false(namesOf(ourResult).includes('transfer-encoding'))
})

test('a streamed request body publishes bodySent after its last chunk, as Node’s fetch', async (t) => {
  const { node, ours, nodeResult, ourResult } = await bothWays(t, (req, res) => readBody(req).then((body) => res.end(body)), async (fetchFn, url) => {
    const body = new ReadableStream({
      start (controller) {
        controller.enqueue(new TextEncoder().encode('one '))
        controller.enqueue(new TextEncoder().encode('two'))
        controller.close()
      }
    })
    return (await fetchFn(url, { method: 'POST', body, duplex: 'half' })).text()
  })
  t.is(ourResult, 'one two')
  t.is(ourResult, nodeResult)
  t.deepEqual(channelsOf(ours), ['create', 'bodySent', 'headers', 'trailers'])
  t.deepEqual(channelsOf(ours), channelsOf(node))
})

test('a body still being sent when the response head comes publishes bodySent after headers, as Node’s fetch', async (t) => {
  // The server answers at the body's first bytes and ends at its end.
  const early = (req, res) => {
    req.once('data', () => res.writeHead(200).flushHeaders())
    readBody(req).then((body) => res.end(body))
  }
  const { node, ours, nodeResult, ourResult } = await bothWays(t, early, async (fetchFn, url) => {
    let controller
    const body = new ReadableStream({ start (c) { controller = c } })
    controller.enqueue(new TextEncoder().encode('first '))
    const response = await fetchFn(url, { method: 'POST', body, duplex: 'half' })
    controller.enqueue(new TextEncoder().encode('last'))
    controller.close()
    return response.text()
  })
  t.is(ourResult, 'first last')
  t.is(ourResult, nodeResult)
  t.deepEqual(channelsOf(ours), ['create', 'headers', 'bodySent', 'trailers'])
  t.deepEqual(channelsOf(ours), channelsOf(node))
})

const namesOf = (flat) => flat.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase())

/** A server that answers with the raw header list it received, as JSON. */
const rawHeaders = (req, res) => readBody(req).then(() => res.end(JSON.stringify(req.rawHeaders)))

test('request.headers on create lists the headers the core adds, as Node’s fetch lists its own', async (t) => {
  const call = async (fetchFn, url) => JSON.parse(await (await fetchFn(url, { headers: { 'X-Own': 'mine' } })).text())
  const { node, ours, ourResult } = await bothWays(t, rawHeaders, call)
  const nodeHeaders = node[0].message.request.headers
  const ourHeaders = ours[0].message.request.headers
  // Accept, Accept-Language, Sec-Fetch-Mode, User-Agent, Accept-Encoding
  // after the request's own, in Node's order.
  t.deepEqual(namesOf(ourHeaders), namesOf(nodeHeaders))
  t.true(namesOf(ourHeaders).includes('user-agent'))
  // Each is listed with the value that went on the wire.
  const received = new Map()
  for (let i = 0; i < ourResult.length; i += 2) received.set(ourResult[i].toLowerCase(), ourResult[i + 1])
  for (let i = 0; i < ourHeaders.length; i += 2) t.is(received.get(ourHeaders[i].toLowerCase()), ourHeaders[i + 1], ourHeaders[i])
})

test('request.headers on create lists a Client’s default headers, with the values sent', async (t) => {
  const { url, messages } = await observedServer(t, rawHeaders)
  const client = new Client({ headers: { 'x-client': 'default', 'user-agent': 'my-agent/1' } })
  t.teardown(() => client.close())
  const received = JSON.parse(await (await client.fetch(url)).text())
  const listed = messages[0].message.request.headers
  const valueIn = (flat, name) => flat[namesOf(flat).indexOf(name) * 2 + 1]
  for (const name of ['x-client', 'user-agent']) t.is(valueIn(listed, name), valueIn(received, name), name)
  t.is(valueIn(listed, 'user-agent'), 'my-agent/1')
  t.is(namesOf(listed).filter((n) => n === 'user-agent').length, 1)
})

test('the headers the core adds are sent once, also after a redirect, when listed on create', async (t) => {
  const redirecting = (req, res) => {
    if (req.url === '/from') {
      res.writeHead(302, { location: '/to' })
      res.end()
    } else rawHeaders(req, res)
  }
  const onCreate = (request) => request.addHeader('x-trace', 'one')
  const call = async (fetchFn, url) => JSON.parse(await (await fetchFn(`${url}/from`, { referrer: `${url}/page` })).text())
  const { nodeResult, ourResult, ourUrl } = await bothWays(t, redirecting, call, { onCreate })
  const count = (flat, name) => namesOf(flat).filter((n) => n === name).length
  for (const name of ['accept', 'user-agent', 'accept-encoding', 'sec-fetch-mode', 'referer']) t.is(count(ourResult, name), 1, name)
  // Handed to the core as the request's own, the Referer listed on create
  // would have been combined with the one the core adds.
  t.is(ourResult[namesOf(ourResult).indexOf('referer') * 2 + 1], `${ourUrl}/page`)
  t.is(count(ourResult, 'x-trace'), count(nodeResult, 'x-trace'))
})

test('a refused connection publishes create then error with the ECONNREFUSED error, as Node’s fetch', async (t) => {
  const port = await closedPort()
  const origin = `http://127.0.0.1:${port}`
  const messages = record(t, origin)
  await t.throwsAsync(globalThis.fetch(origin))
  const node = messages.splice(0)
  await t.throwsAsync(fetch(origin))
  t.deepEqual(comparable(messages), comparable(node))
  t.deepEqual(channelsOf(messages), ['create', 'error'])
  t.is(messages[1].message.error.code, 'ECONNREFUSED')
})

const dribbling = (req, res) => {
  res.writeHead(200)
  res.write('first')
}

test('an abort while the body streams publishes error with the AbortError and no trailers, as Node’s fetch', async (t) => {
  const { node, ours } = await bothWays(t, dribbling, async (fetchFn, url) => {
    const controller = new AbortController()
    const response = await fetchFn(url, { signal: controller.signal })
    controller.abort()
    const err = await response.text().catch((e) => e)
    t.is(err.name, 'AbortError')
  })
  t.deepEqual(comparable(ours), comparable(node))
  t.deepEqual(channelsOf(ours).filter((c) => PUBLISHED.has(c)), ['create', 'headers', 'error'])
})

test('cancelling the body before its end publishes an AbortError, as Node’s fetch', async (t) => {
  const { node, ours } = await bothWays(t, dribbling, async (fetchFn, url) => {
    const response = await fetchFn(url)
    await response.body.cancel()
  })
  // Node's fetch publishes the error a little after the cancel settles.
  await until(() => node.some((m) => m.channel === 'error'))
  t.deepEqual(comparable(ours), comparable(node))
  t.is(ours.at(-1).message.error.name, 'AbortError')
})

/** Waits (at most about a second) until `condition()` holds. */
async function until (condition) {
  for (let i = 0; i < 100 && !condition(); i++) await sleep(10)
}

test('a response without a body (204) publishes trailers right after headers, as Node’s fetch', async (t) => {
  const noContent = (req, res) => { res.writeHead(204); res.end() }
  const { node, ours } = await bothWays(t, noContent, (fetchFn, url) => fetchFn(url))
  t.deepEqual(comparable(ours), comparable(node))
  t.deepEqual(channelsOf(ours), ['create', 'bodySent', 'headers', 'trailers'])
  t.deepEqual(channelsOf(ours), channelsOf(node))
})

/** Redirects /from (with `status`) to /to, which answers with the x-hop header it got. */
const redirectingTo = (status) => (req, res) => {
  readBody(req).then((body) => {
    if (req.url === '/from') {
      res.writeHead(status, { location: '/to' })
      res.end()
    } else res.end(`${req.method} ${req.headers['x-hop']} ${body}`)
  })
}

/** Each message's channel and the path of its request, with a number per request object. */
function hopsOf (messages) {
  const ids = new Map()
  return messages.map(({ channel, message }) => {
    if (!ids.has(message.request)) ids.set(message.request, ids.size)
    return `${ids.get(message.request)} ${channel} ${message.request.method} ${message.request.path}`
  })
}

test('each redirect hop is published as a request of its own, as Node’s fetch publishes it', async (t) => {
  const { node, ours, nodeResult, ourResult } = await bothWays(t, redirectingTo(302), async (fetchFn, url) => (await fetchFn(`${url}/from`)).text())
  t.is(ourResult, nodeResult)
  t.deepEqual(hopsOf(ours), [
    '0 create GET /from', '0 bodySent GET /from', '0 headers GET /from', '0 trailers GET /from',
    '1 create GET /to', '1 bodySent GET /to', '1 headers GET /to', '1 trailers GET /to'
  ])
  t.deepEqual(hopsOf(ours), hopsOf(node))
  t.deepEqual(comparable(ours), comparable(node))
  t.is(ours[2].message.response.statusCode, 302)
  t.is(headerValue(ours[2].message.response.headers, 'location'), '/to')
})

test('a header added on a hop’s create goes with that hop alone, as with Node’s fetch', async (t) => {
  const onCreate = (request) => request.addHeader('x-hop', request.path)
  const { nodeResult, ourResult, ours } = await bothWays(t, redirectingTo(307), async (fetchFn, url) => (await fetchFn(`${url}/from`)).text(), { onCreate })
  t.is(ourResult, 'GET /to ')
  t.is(ourResult, nodeResult)
  // The next hop's request lists the headers the core sends it with.
  const second = ours.find((m) => m.channel === 'create' && m.message.request.path === '/to').message.request
  t.true(namesOf(second.headers).includes('user-agent'))
  t.deepEqual(second.headers.slice(-2), ['x-hop', '/to'])
})

test('a POST redirected by 302 publishes its body on the first hop and a GET without one next, as Node’s fetch', async (t) => {
  const { node, ours, nodeResult, ourResult } = await bothWays(t, redirectingTo(302), async (fetchFn, url) => (await fetchFn(`${url}/from`, { method: 'POST', body: 'data' })).text())
  t.is(ourResult, nodeResult)
  t.deepEqual(hopsOf(ours), hopsOf(node))
  t.deepEqual(comparable(ours), comparable(node))
})

test('a body kept by a 307 is published as sent on each hop, as Node’s fetch', async (t) => {
  const { node, ours, nodeResult, ourResult } = await bothWays(t, redirectingTo(307), async (fetchFn, url) => (await fetchFn(`${url}/from`, { method: 'PUT', body: 'kept' })).text())
  t.is(ourResult, 'PUT undefined kept')
  t.is(ourResult, nodeResult)
  t.deepEqual(hopsOf(ours), hopsOf(node))
  t.deepEqual(comparable(ours), comparable(node))
})

test('a redirect with redirect: manual is one request, as with Node’s fetch', async (t) => {
  const { node, ours } = await bothWays(t, redirectingTo(302), async (fetchFn, url) => (await fetchFn(`${url}/from`, { redirect: 'manual' })).text())
  t.deepEqual(hopsOf(ours), ['0 create GET /from', '0 bodySent GET /from', '0 headers GET /from', '0 trailers GET /from'])
  t.deepEqual(hopsOf(ours), hopsOf(node))
})

test('upload() requests are published, with added headers on the wire', async (t) => {
  const onCreate = (request) => request.addHeader('x-trace', 'up')
  const { url, messages } = await observedServer(t, (req, res) => {
    readBody(req).then((body) => res.end(`${req.headers['x-trace']} ${body}`))
  }, { onCreate })
  const { writable, response } = upload(url)
  const writer = writable.getWriter()
  await writer.write('abc')
  await writer.close()
  t.is(await (await response).text(), 'up abc')
  t.deepEqual(channelsOf(messages), ['create', 'bodySent', 'headers', 'trailers'])
  t.is(messages[0].message.request.method, 'POST')
})

const eventStream = (req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  res.end(`data: ${req.headers['x-trace']}\n\n`)
}

test('events() connections are published, with added headers on the wire', async (t) => {
  const onCreate = (request) => request.addHeader('x-trace', 'sse')
  const { url, messages } = await observedServer(t, eventStream, { onCreate })
  const stream = events(url)
  const first = await stream.next()
  stream.close()
  t.is(first.value.data, 'sse')
  t.deepEqual(channelsOf(messages).slice(0, 2), ['create', 'bodySent'])
  t.true(channelsOf(messages).includes('headers'))
})

test('closing an events() stream mid-way publishes an AbortError, as a cancelled body', async (t) => {
  const { url, messages } = await observedServer(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: one\n\n')
  })
  const stream = events(url)
  t.is((await stream.next()).value.data, 'one')
  stream.close()
  await until(() => messages.some((m) => m.channel === 'error'))
  t.deepEqual(channelsOf(messages), ['create', 'bodySent', 'headers', 'error'])
  t.is(messages.at(-1).message.error.name, 'AbortError')
})

test('EventSource connections are published, with added headers on the wire', async (t) => {
  const onCreate = (request) => request.addHeader('x-trace', 'es')
  const { url, messages } = await observedServer(t, eventStream, { onCreate })
  const data = await firstMessageData(t, EventSource, url)
  t.is(data, 'es')
  t.is(messages[0].channel, 'create')
  const headers = messages[0].message.request.headers
  const accept = headers.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === 'accept')
  t.is(headers[accept + 1], 'text/event-stream')
})
