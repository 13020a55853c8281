// response.textStream(): the body as strings, decoded as it arrives.
// Compared against Node's own `res.body.pipeThrough(new TextDecoderStream())`
// over the same bytes.
import test from 'ava'
import { once } from 'node:events'
import { fetch, Request, Response } from '../index.mjs'
import { httpServer, tcpServer } from './helpers/servers.mjs'
import { settle } from './helpers/differential.mjs'

async function collect (stream) {
  const out = []
  for await (const s of stream) out.push(s)
  return out
}

/** A server writing `chunks` one by one (each flushed on its own). */
async function chunkServer (t, chunks) {
  return httpServer(t, async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    for (const chunk of chunks) {
      res.write(chunk)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    res.end()
  })
}

// A BOM, two- three- and four-byte code points cut in the middle, and
// invalid bytes (a lone continuation byte, a truncated sequence at the end).
const TRICKY = [
  Buffer.from([0xef, 0xbb]), Buffer.from([0xbf, 0x41]),
  Buffer.from('é€😀'.slice(0, 1)), Buffer.from([0xe2, 0x82]), Buffer.from([0xac, 0xf0, 0x9f]),
  Buffer.from([0x98, 0x80, 0x80, 0x42]), Buffer.from([0xff, 0x43, 0xe2])
]

test('textStream() yields what TextDecoderStream yields for the same bytes, as Node’s fetch has it', async (t) => {
  const { url } = await chunkServer(t, TRICKY)
  const ours = (await collect((await fetch(url)).textStream())).join('')
  const nodes = (await collect((await globalThis.fetch(url)).body.pipeThrough(new TextDecoderStream()))).join('')
  t.is(ours, nodes)
  t.is(ours, 'Aé€😀\uFFFDB\uFFFDC\uFFFD')
  t.is(ours, await (await fetch(url)).text(), 'the same text as text()')
})

test('a code point split across chunks arrives whole, never as U+FFFD', async (t) => {
  const text = '日本語のテキスト😀'.repeat(50)
  const bytes = Buffer.from(text)
  // One byte per chunk: every multi-byte code point is cut.
  const chunks = []
  for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7))
  const { url } = await chunkServer(t, chunks.slice(0, 40).concat([Buffer.concat(chunks.slice(40))]))
  const parts = await collect((await fetch(url)).textStream())
  t.true(parts.length > 1, 'decoded as it arrived, not at the end')
  for (const part of parts) t.false(part.includes('\uFFFD'))
  t.is(parts.join(''), text)
})

test('textStream() delivers text before the body ends', async (t) => {
  let finish
  const ended = new Promise((resolve) => { finish = resolve })
  const { url } = await httpServer(t, async (req, res) => {
    res.write('first')
    await ended
    res.end('last')
  })
  const reader = (await fetch(url)).textStream().getReader()
  t.deepEqual(await reader.read(), { done: false, value: 'first' })
  finish()
  t.deepEqual(await reader.read(), { done: false, value: 'last' })
  t.true((await reader.read()).done)
})

test('textStream() uses the body: a second read or text() is a TypeError', async (t) => {
  const res = new Response('once')
  const stream = res.textStream()
  t.true(res.bodyUsed || res.body.locked)
  t.throws(() => res.textStream(), { instanceOf: TypeError })
  await t.throwsAsync(res.text(), { instanceOf: TypeError })
  t.deepEqual(await collect(stream), ['once'])
  const used = new Response('x')
  await used.text()
  t.throws(() => used.textStream(), { instanceOf: TypeError })
})

test('a response without a body gives an empty text stream', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(204)
    res.end()
  })
  t.deepEqual(await collect((await fetch(url)).textStream()), [])
  t.deepEqual(await collect((await fetch(url, { method: 'HEAD' })).textStream()), [])
  t.deepEqual(await collect(new Response(null).textStream()), [])
})

test('Request has textStream() too', async (t) => {
  const request = new Request('http://127.0.0.1/', { method: 'POST', body: 'über' })
  t.deepEqual(await collect(request.textStream()), ['über'])
  t.is(typeof Response.prototype.textStream, 'function')
  t.true(Object.getOwnPropertyDescriptor(Response.prototype, 'textStream').enumerable)
})

test('cancelling a text stream closes the connection', async (t) => {
  let closed
  const { url } = await httpServer(t, (req, res) => {
    closed = once(res, 'close')
    res.write('a'.repeat(1000))
  })
  const reader = (await fetch(url)).textStream().getReader()
  t.is((await reader.read()).value, 'a'.repeat(1000))
  await reader.cancel()
  await closed
  t.pass('the server saw the connection close')
})

test('a body that fails mid-way errors the text stream as the byte stream', async (t) => {
  const { url } = await tcpServer(t, (socket) => {
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial')
      setTimeout(() => socket.destroy(), 50)
    })
  })
  const reader = (await fetch(url)).textStream().getReader()
  t.is((await reader.read()).value, 'partial')
  const err = await settle(reader.read())
  t.true(err instanceof TypeError)
})
