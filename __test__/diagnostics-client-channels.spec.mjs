// undici's client channels (beforeConnect, connected, connectError,
// sendHeaders) and per-chunk channels (bodyChunkSent, bodyChunkReceived):
// the same request through Node's own fetch and through ferrofetch, with
// what each publishes compared. Subscriptions are process-wide, so each
// recording keeps only the messages about its own server's origin.
//
// Deliberate differences (README "Observability"): `connector` is null
// (Node's fetch passes its connect function), `socket` is a plain object
// with a net.Socket's address fields, and sendHeaders' `headers` lists the
// whole head as sent (Node's omits the framing headers it writes later).
import test from 'ava'
import diagnosticsChannel from 'node:diagnostics_channel'
import http2 from 'node:http2'
import { fetch, upload, events, EventSource, Client } from '../index.mjs'
import { httpServer, listenOnLoopback, closedPort, readBody, blackHole } from './helpers/servers.mjs'
import { certs } from './helpers/certs.mjs'
import { rawRequestServer } from './helpers/raw-requests.mjs'
import { firstMessageData } from './helpers/sse.mjs'

const REQUEST = ['create', 'bodySent', 'headers', 'trailers', 'error', 'bodyChunkSent', 'bodyChunkReceived']
const CLIENT = ['beforeConnect', 'connected', 'connectError', 'sendHeaders']
const CONNECT = new Set(['beforeConnect', 'connected', 'connectError'])

/** The origin a message is about. */
function originOf (message) {
  if (message.request !== undefined) return message.request.origin
  return `${message.connectParams.protocol}//${message.connectParams.host}`
}

/** Records every channel's messages about `origin`, in order, until the test ends. */
function record (t, origin) {
  const messages = []
  const names = [...REQUEST.map((n) => `undici:request:${n}`), ...CLIENT.map((n) => `undici:client:${n}`)]
  for (const name of names) {
    const channel = name.slice(name.lastIndexOf(':') + 1)
    const onMessage = (message) => {
      if (originOf(message) === origin) messages.push({ channel, message })
    }
    diagnosticsChannel.subscribe(name, onMessage)
    t.teardown(() => diagnosticsChannel.unsubscribe(name, onMessage))
  }
  return messages
}

async function observedServer (t, handler) {
  const { url } = await httpServer(t, handler)
  return { url, messages: record(t, url) }
}

const channelsOf = (messages, skip = new Set()) => messages.map((m) => m.channel).filter((c) => !skip.has(c))
const only = (messages, channel) => messages.filter((m) => m.channel === channel).map((m) => m.message)
const CHUNKS = new Set(['bodyChunkSent', 'bodyChunkReceived'])

const hello = (req, res) => readBody(req).then((body) => res.end(`hello ${body}`))

/** Runs `call(fetchFn, url)` against a fresh server through each fetch. */
async function bothWays (t, handler, call) {
  const node = await observedServer(t, handler)
  const ours = await observedServer(t, handler)
  await call(globalThis.fetch, node.url)
  await call(fetch, ours.url)
  return { node: node.messages, ours: ours.messages, nodeUrl: node.url, ourUrl: ours.url }
}

const portOf = (url) => new URL(url).port

test('a request on a new connection publishes beforeConnect, connected and sendHeaders in the order Node’s fetch does', async (t) => {
  const { node, ours } = await bothWays(t, hello, async (fetchFn, url) => (await fetchFn(`${url}/a`)).text())
  t.deepEqual(channelsOf(ours, CHUNKS), channelsOf(node, CHUNKS))
  t.deepEqual(channelsOf(ours, CHUNKS), ['create', 'beforeConnect', 'connected', 'sendHeaders', 'bodySent', 'headers', 'trailers'])
})

test('beforeConnect and connected carry connectParams with the fields and values Node’s fetch gives', async (t) => {
  const { node, ours, nodeUrl, ourUrl } = await bothWays(t, hello, async (fetchFn, url) => (await fetchFn(url)).text())
  const shape = (params, url) => ({ ...params, host: params.host.replace(portOf(url), 'PORT'), port: params.port.replace(portOf(url), 'PORT') })
  for (const channel of ['beforeConnect', 'connected']) {
    const [nodeMessage] = only(node, channel)
    const [ourMessage] = only(ours, channel)
    t.deepEqual(Object.keys(ourMessage).sort(), Object.keys(nodeMessage).sort())
    t.deepEqual(shape(ourMessage.connectParams, ourUrl), shape(nodeMessage.connectParams, nodeUrl))
    t.is(ourMessage.connector, null)
  }
  t.is(only(ours, 'connected')[0].connectParams.version, 'h1')
})

test('connected’s socket has the connection’s addresses, and sendHeaders the same socket, as Node’s fetch', async (t) => {
  const { node, ours, nodeUrl, ourUrl } = await bothWays(t, hello, async (fetchFn, url) => (await fetchFn(url)).text())
  for (const [messages, url] of [[node, nodeUrl], [ours, ourUrl]]) {
    const { socket } = only(messages, 'connected')[0]
    t.is(socket.remoteAddress, '127.0.0.1')
    t.is(socket.remotePort, Number(portOf(url)))
    t.is(socket.remoteFamily, 'IPv4')
    t.is(socket.localAddress, '127.0.0.1')
    t.true(Number.isInteger(socket.localPort) && socket.localPort > 0)
    t.is(only(messages, 'sendHeaders')[0].socket, socket)
  }
})

test('sendHeaders lists the head exactly as it went on the wire, for bodies of each kind', async (t) => {
  const { url, requests } = await rawRequestServer(t, () => 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
  const messages = record(t, url)
  const stream = () => new ReadableStream({
    start (c) {
      c.enqueue(new TextEncoder().encode('part'))
      c.close()
    }
  })
  await (await fetch(`${url}/get?q=1`, { headers: { 'X-Mine': 'a' } })).text()
  await (await fetch(`${url}/post`, { method: 'POST', body: 'abc' })).text()
  await (await fetch(`${url}/stream`, { method: 'POST', body: stream(), duplex: 'half' })).text()
  const sent = only(messages, 'sendHeaders').map((m) => m.headers)
  t.is(sent.length, 3)
  for (let i = 0; i < 3; i++) t.is(sent[i], `${requests[i].head}\r\n`)
  t.true(sent[0].startsWith('GET /get?q=1 HTTP/1.1\r\n'))
})

test('every line of Node’s sendHeaders is in the head it sent, in the same form as ours', async (t) => {
  const answer = () => 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'
  const nodeServer = await rawRequestServer(t, answer)
  const nodeMessages = record(t, nodeServer.url)
  await (await globalThis.fetch(`${nodeServer.url}/p`, { method: 'POST', body: 'abc' })).text()
  const [nodeHeaders] = only(nodeMessages, 'sendHeaders').map((m) => m.headers)
  const wire = new Set(nodeServer.requests[0].head.split('\r\n'))
  const lines = nodeHeaders.split('\r\n')
  t.is(lines.pop(), '', 'each line ends with CRLF, and no blank line ends the head')
  for (const line of lines) t.true(wire.has(line), line)
  t.is(lines[0], 'POST /p HTTP/1.1')
})

test('a request on a reused keep-alive connection publishes no connect events, as Node’s fetch', async (t) => {
  const { node, ours } = await bothWays(t, hello, async (fetchFn, url) => {
    await (await fetchFn(`${url}/1`)).text()
    await (await fetchFn(`${url}/2`)).text()
  })
  // Node's fetch may open a second connection: then it publishes connect
  // events for it. The rule is the same for both: connect events exactly
  // when the request went over a socket not used before.
  for (const messages of [node, ours]) {
    const sockets = only(messages, 'sendHeaders').map((m) => m.socket.localPort)
    t.is(sockets.length, 2)
    const connects = only(messages, 'connected').length
    t.is(connects, new Set(sockets).size)
  }
  const ourSockets = only(ours, 'sendHeaders').map((m) => m.socket.localPort)
  t.is(ourSockets[1], ourSockets[0])
  t.deepEqual(channelsOf(ours, CHUNKS), ['create', 'beforeConnect', 'connected', 'sendHeaders', 'bodySent', 'headers', 'trailers',
    'create', 'sendHeaders', 'bodySent', 'headers', 'trailers'])
})

test('a refused connection publishes beforeConnect then connectError with ECONNREFUSED, as Node’s fetch', async (t) => {
  const port = await closedPort()
  const url = `http://127.0.0.1:${port}`
  const messages = record(t, url)
  const nodeError = await globalThis.fetch(url).catch((err) => err)
  const node = messages.splice(0)
  const ourError = await fetch(url).catch((err) => err)
  t.is(ourError.cause.code, nodeError.cause.code)
  t.deepEqual(channelsOf(messages), channelsOf(node))
  t.deepEqual(channelsOf(messages), ['create', 'beforeConnect', 'connectError', 'error'])
  const [nodeFailure] = only(node, 'connectError')
  const [ourFailure] = only(messages, 'connectError')
  t.deepEqual(Object.keys(ourFailure).sort(), Object.keys(nodeFailure).sort())
  t.deepEqual(ourFailure.connectParams, nodeFailure.connectParams)
  t.true(ourFailure.error instanceof Error)
  t.is(ourFailure.error.code, 'ECONNREFUSED')
  t.is(only(messages, 'error')[0].error.code, 'ECONNREFUSED')
})

test('a connect timeout publishes connectError with the request’s timeout error before error', async (t) => {
  const { url } = await blackHole(t)
  const messages = record(t, url)
  const err = await fetch(url, { connectTimeout: 200 }).catch((e) => e)
  t.deepEqual(channelsOf(messages), ['create', 'beforeConnect', 'connectError', 'error'])
  const [failure] = only(messages, 'connectError')
  const [failed] = only(messages, 'error')
  t.is(err.name, 'TimeoutError')
  for (const reported of [failure.error, failed.error]) {
    t.is(reported.name, err.name)
    t.is(reported.cause?.code, err.cause?.code)
  }
})

test('an abort while connecting publishes connectError with the abort reason before error', async (t) => {
  const { url } = await blackHole(t)
  const messages = record(t, url)
  const controller = new AbortController()
  const connecting = new Promise((resolve) => {
    const onConnect = (message) => { if (originOf(message) === url) resolve() }
    diagnosticsChannel.subscribe('undici:client:beforeConnect', onConnect)
    t.teardown(() => diagnosticsChannel.unsubscribe('undici:client:beforeConnect', onConnect))
  })
  const pending = fetch(url, { signal: controller.signal }).catch((e) => e)
  await connecting
  controller.abort()
  const err = await pending
  t.is(err.name, 'AbortError')
  t.deepEqual(channelsOf(messages), ['create', 'beforeConnect', 'connectError', 'error'])
  t.is(only(messages, 'connectError')[0].error, err)
  t.is(only(messages, 'error')[0].error, err)
})

test('an HTTP/2 connection over TLS publishes connected with version h2, and its head in HTTP/2 form', async (t) => {
  const server = http2.createSecureServer({ key: certs().server.key, cert: certs().server.cert }, (req, res) => res.end('ok'))
  const sessions = new Set()
  server.on('session', (session) => sessions.add(session))
  const { port } = await listenOnLoopback(t, server, () => { for (const s of sessions) s.destroy() })
  const url = `https://127.0.0.1:${port}`
  const messages = record(t, url)
  const client = new Client({ tls: { ca: certs().ca } })
  t.teardown(() => client.close())
  t.is(await (await client.fetch(`${url}/h2`)).text(), 'ok')
  t.deepEqual(channelsOf(messages, CHUNKS), ['create', 'beforeConnect', 'connected', 'sendHeaders', 'bodySent', 'headers', 'trailers'])
  const [connected] = only(messages, 'connected')
  t.is(connected.connectParams.protocol, 'https:')
  t.is(connected.connectParams.version, 'h2')
  const [sent] = only(messages, 'sendHeaders')
  t.true(sent.headers.startsWith('GET /h2 HTTP/2\r\n'))
  t.false(sent.headers.includes('\r\nhost:'))
  t.is(sent.socket, connected.socket)
})

const redirecting = (req, res) => {
  if (req.url === '/from') {
    res.writeHead(302, { location: '/to' })
    res.end()
  } else {
    hello(req, res)
  }
}

test('each redirect hop publishes its own sendHeaders, the connect events only where it connects, as Node’s fetch', async (t) => {
  const { node, ours } = await bothWays(t, redirecting, async (fetchFn, url) => (await fetchFn(`${url}/from`)).text())
  t.deepEqual(channelsOf(ours, new Set([...CONNECT, ...CHUNKS])), channelsOf(node, new Set([...CONNECT, ...CHUNKS])))
  t.deepEqual(channelsOf(ours, CHUNKS), ['create', 'beforeConnect', 'connected', 'sendHeaders', 'bodySent', 'headers', 'trailers',
    'create', 'sendHeaders', 'bodySent', 'headers', 'trailers'])
  const heads = only(ours, 'sendHeaders')
  t.true(heads[0].headers.startsWith('GET /from HTTP/1.1\r\n'))
  t.true(heads[1].headers.startsWith('GET /to HTTP/1.1\r\n'))
  const creates = only(ours, 'create')
  t.is(heads[0].request, creates[0].request)
  t.is(heads[1].request, creates[1].request)
})

test('bodyChunkSent publishes each streamed chunk in order, and a buffered body as one chunk', async (t) => {
  const { url, messages } = await observedServer(t, hello)
  const encoder = new TextEncoder()
  const body = new ReadableStream({
    start (c) {
      for (const part of ['one', 'two', 'three']) c.enqueue(encoder.encode(part))
      c.close()
    }
  })
  t.is(await (await fetch(url, { method: 'POST', body, duplex: 'half' })).text(), 'hello onetwothree')
  t.is(await (await fetch(url, { method: 'POST', body: 'whole' })).text(), 'hello whole')
  const chunks = only(messages, 'bodyChunkSent')
  t.true(chunks.every((m) => Buffer.isBuffer(m.chunk)))
  t.deepEqual(chunks.map((m) => m.chunk.toString()), ['one', 'two', 'three', 'whole'])
  const creates = only(messages, 'create')
  t.true(chunks.slice(0, 3).every((m) => m.request === creates[0].request))
  t.is(chunks[3].request, creates[1].request)
})

test('bodyChunkReceived publishes the response body’s chunks, which make up the body read', async (t) => {
  const big = 'x'.repeat(200_000)
  const { url, messages } = await observedServer(t, (req, res) => res.end(big))
  const text = await (await fetch(url)).text()
  const reader = (await fetch(url)).body.getReader()
  let streamed = 0
  for (let i = 0; i < 10_000; i++) {
    const { done, value } = await reader.read()
    if (done) break
    streamed += value.length
  }
  t.is(text, big)
  t.is(streamed, big.length)
  const [first, second] = only(messages, 'create').map((m) => m.request)
  const chunksOf = (request) => only(messages, 'bodyChunkReceived').filter((m) => m.request === request).map((m) => m.chunk)
  t.true(chunksOf(first).every((chunk) => Buffer.isBuffer(chunk)))
  t.is(Buffer.concat(chunksOf(first)).toString(), big)
  t.is(Buffer.concat(chunksOf(second)).toString(), big)
  // Published before trailers: the body is read to its end after them.
  const channels = channelsOf(messages)
  t.true(channels.lastIndexOf('bodyChunkReceived') < channels.lastIndexOf('trailers'))
})

test('upload() requests publish the client channels and their chunks', async (t) => {
  const { url, messages } = await observedServer(t, hello)
  const { writable, response } = upload(url)
  const writer = writable.getWriter()
  await writer.write('up')
  await writer.write('load')
  await writer.close()
  t.is(await (await response).text(), 'hello upload')
  // Chunks are published as they are written, while the core connects.
  t.deepEqual(channelsOf(messages, CHUNKS),
    ['create', 'beforeConnect', 'connected', 'sendHeaders', 'bodySent', 'headers', 'trailers'])
  t.deepEqual(only(messages, 'bodyChunkSent').map((m) => m.chunk.toString()), ['up', 'load'])
  const channels = channelsOf(messages)
  t.true(channels.lastIndexOf('bodyChunkSent') < channels.indexOf('sendHeaders'))
})

const eventStream = (req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  res.end('data: hi\n\n')
}

test('events() connections publish the client channels', async (t) => {
  const { url, messages } = await observedServer(t, eventStream)
  const stream = events(url)
  t.is((await stream.next()).value.data, 'hi')
  stream.close()
  t.deepEqual(channelsOf(messages).slice(0, 6), ['create', 'beforeConnect', 'connected', 'sendHeaders', 'bodySent', 'headers'])
  t.true(only(messages, 'sendHeaders')[0].headers.includes('accept: text/event-stream\r\n'))
})

test('EventSource connections publish the client channels', async (t) => {
  const { url, messages } = await observedServer(t, eventStream)
  const data = await firstMessageData(t, EventSource, url)
  t.is(data, 'hi')
  t.deepEqual(channelsOf(messages).slice(0, 6), ['create', 'beforeConnect', 'connected', 'sendHeaders', 'bodySent', 'headers'])
})
