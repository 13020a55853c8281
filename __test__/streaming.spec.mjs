import test from 'ava'
import { once } from 'node:events'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fetch, Response } from '../index.mjs'
import { httpServer, tcpServer, sleep } from './helpers/servers.mjs'

test('headers arrive before the body and bytes come out as they arrive', async (t) => {
  const sent = []
  const { url } = await tcpServer(t, async (socket) => {
    // Answer only once the request is in: a response before the request is
    // not HTTP, and the client rightly rejects it.
    await once(socket, 'data')
    socket.write("HTTP/1.1 418 I'm a teapot\r\nx-custom: kettle\r\ncontent-length: 5\r\n\r\n")
    for (const byte of 'hello') {
      await sleep(200)
      sent.push(Date.now())
      socket.write(byte)
    }
  })
  const res = await fetch(url)
  // fetch resolved before the first body byte was even sent.
  t.is(sent.length, 0)
  t.is(res.status, 418)
  t.is(res.statusText, "I'm a teapot")
  t.is(res.headers.get('x-custom'), 'kettle')
  const reader = res.body.getReader()
  const received = []
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    received.push(...value)
    // Each byte is delivered before the next one is sent.
    t.is(sent.length, received.length)
  }
  t.is(Buffer.from(received).toString(), 'hello')
})

test('a BYOB reader fills the caller\'s buffer', async (t) => {
  const { url } = await httpServer(t, (req, res) => res.end('abcdefghij'))
  const res = await fetch(url)
  const reader = res.body.getReader({ mode: 'byob' })
  let out = ''
  for (let i = 0; i < 20; i++) {
    const { done, value } = await reader.read(new Uint8Array(4))
    if (done) break
    t.true(value.length <= 4)
    out += Buffer.from(value).toString()
  }
  t.is(out, 'abcdefghij')
})

test('the body is async-iterable', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.write('one,')
    setTimeout(() => res.end('two'), 20)
  })
  const res = await fetch(url)
  let text = ''
  for await (const chunk of res.body) {
    t.true(chunk instanceof Uint8Array)
    text += Buffer.from(chunk).toString()
  }
  t.is(text, 'one,two')
})

test('Readable.fromWeb, pipeTo and new Response(res.body) interoperate', async (t) => {
  const { url } = await httpServer(t, (req, res) => res.end('x'.repeat(100_000)))
  let total = 0
  await pipeline(Readable.fromWeb((await fetch(url)).body), new Writable({
    write (chunk, _enc, cb) { total += chunk.length; cb() }
  }))
  t.is(total, 100_000)

  let piped = 0
  await (await fetch(url)).body.pipeTo(new WritableStream({ write (c) { piped += c.length } }))
  t.is(piped, 100_000)

  const rewrapped = new Response((await fetch(url)).body)
  t.is((await rewrapped.text()).length, 100_000)
  const nodeResponse = new globalThis.Response((await fetch(url)).body)
  t.is((await nodeResponse.arrayBuffer()).byteLength, 100_000)
})

test('every body reader returns the exact bytes', async (t) => {
  const payload = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255])
  const { url } = await httpServer(t, (req, res) => {
    res.setHeader('content-type', 'application/octet-stream')
    res.end(payload)
  })
  t.deepEqual(Buffer.from(await (await fetch(url)).arrayBuffer()), payload)
  const bytes = await (await fetch(url)).bytes()
  t.true(bytes instanceof Uint8Array)
  t.deepEqual(Buffer.from(bytes), payload)
  const blob = await (await fetch(url)).blob()
  t.is(blob.type, 'application/octet-stream')
  t.deepEqual(Buffer.from(await blob.arrayBuffer()), payload)
})

test('a body cancelled by the reader closes the connection', async (t) => {
  let closed
  const serverSawClose = new Promise((resolve) => { closed = resolve })
  const { url } = await httpServer(t, (req, res) => {
    res.write('first chunk')
    const timer = setInterval(() => res.write('more'), 10)
    res.on('close', () => {
      clearInterval(timer)
      closed()
    })
  })
  const res = await fetch(url)
  const reader = res.body.getReader()
  await reader.read()
  await reader.cancel()
  await serverSawClose
  t.true(res.bodyUsed)
})

test('the server sees backpressure when the consumer does not read', async (t) => {
  // The server writes as fast as the socket takes data and counts what it
  // managed to write; with nobody reading, that must stop growing at the
  // client's read-ahead bound plus socket buffers, far below the body size.
  const total = 256 * 1024 * 1024
  const chunk = Buffer.alloc(64 * 1024, 0x61)
  let written = 0
  let blocked = false
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-length': total })
    const pump = () => {
      while (written < total) {
        written += chunk.length
        if (!res.write(chunk)) {
          blocked = true
          res.once('drain', pump)
          return
        }
      }
      res.end()
    }
    pump()
  })
  const res = await fetch(url)
  let previous = -1
  // Wait (bounded) until the written count stops moving.
  for (let i = 0; i < 50 && written !== previous; i++) {
    previous = written
    await sleep(100)
  }
  t.true(blocked, 'the server should have been blocked by backpressure')
  t.true(written < 64 * 1024 * 1024, `server wrote ${written} bytes to a consumer that read nothing`)
  // Reading resumes the flow and delivers everything.
  let received = 0
  for await (const c of res.body) received += c.length
  t.is(received, total)
})
