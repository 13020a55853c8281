// Decompression of response bodies (gzip, deflate, br, zstd), streamed;
// turning it off per request and per client; corrupt and truncated bodies.
import test from 'ava'
import zlib from 'node:zlib'
import fs from 'node:fs'
import { execFileSync } from 'node:child_process'
import { fetch, Client } from '../index.mjs'
import { httpServer } from './helpers/servers.mjs'
import { settle } from './helpers/differential.mjs'

// Node 20's zlib has no zstd (zlib.zstdCompressSync arrived in Node 22.15 /
// 23.8); the zstd CLI makes the same frames where it is installed.
const ZSTD_CLI = '/usr/bin/zstd'
const zstdCompress = zlib.zstdCompressSync ??
  (fs.existsSync(ZSTD_CLI) ? (input) => execFileSync(ZSTD_CLI, ['-q', '-c', '-'], { input }) : null)

// Long and repetitive enough that every codec really compresses it.
const TEXT = Array.from({ length: 2000 }, (_, i) => `line ${i}: the quick brown fox\n`).join('')

const ENCODINGS = [
  ['gzip', (b) => zlib.gzipSync(b)],
  ['deflate', (b) => zlib.deflateSync(b)],
  ['br', (b) => zlib.brotliCompressSync(b)],
  ['zstd', zstdCompress]
]

/** A server answering every request with `body` sent as `encoding`. */
function encodedServer (t, encoding, body, seen = []) {
  return httpServer(t, (req, res) => {
    seen.push(req.headers)
    res.writeHead(200, { 'content-encoding': encoding, 'content-type': 'text/plain' })
    res.end(body)
  })
}

for (const [encoding, compress] of ENCODINGS) {
  const run = compress === null ? test.skip : test
  run(`a ${encoding} body is decoded`, async (t) => {
    const encoded = compress(Buffer.from(TEXT))
    t.true(encoded.length < TEXT.length / 4)
    const { url } = await encodedServer(t, encoding, encoded)
    const res = await fetch(url)
    t.is(await res.text(), TEXT)
  })
}

test('a decoded response keeps content-encoding and content-length, as in Node\'s fetch', async (t) => {
  const encoded = zlib.gzipSync(TEXT)
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': encoded.length })
    res.end(encoded)
  })
  const ours = await fetch(url)
  const theirs = await globalThis.fetch(url)
  for (const name of ['content-encoding', 'content-length']) {
    t.is(ours.headers.get(name), theirs.headers.get(name), name)
  }
  t.is(ours.headers.get('content-encoding'), 'gzip')
  t.is(await ours.text(), await theirs.text())
})

test('raw deflate (no zlib wrapper), stacked codings and an empty encoded body decode as in Node\'s fetch', async (t) => {
  const cases = {
    '/raw-deflate': ['deflate', zlib.deflateRawSync(TEXT)],
    '/stacked': ['deflate, gzip', zlib.gzipSync(zlib.deflateSync(TEXT))],
    '/split-headers': [['gzip', 'br'], zlib.brotliCompressSync(zlib.gzipSync(TEXT))],
    '/concatenated-members': ['gzip', Buffer.concat([zlib.gzipSync('one '), zlib.gzipSync('two')])],
    '/empty': ['gzip', Buffer.alloc(0)]
  }
  const { url } = await httpServer(t, (req, res) => {
    const [encoding, body] = cases[req.url]
    res.writeHead(200, { 'content-encoding': encoding })
    res.end(body)
  })
  for (const path of Object.keys(cases)) {
    const theirs = await globalThis.fetch(url + path).then((r) => r.text())
    t.is(await (await fetch(url + path)).text(), theirs, path)
  }
  t.is(await (await fetch(url + '/stacked')).text(), TEXT)
})

test('a range request asks for identity (Fetch §4.6), unless it names its own', async (t) => {
  const seen = []
  const { url } = await encodedServer(t, 'identity', 'plain', seen)
  await (await fetch(url, { headers: { range: 'bytes=0-1' } })).text()
  await (await fetch(url, { headers: { range: 'bytes=0-1', 'accept-encoding': 'br' } })).text()
  t.is(seen[0]['accept-encoding'], 'identity')
  t.is(seen[1]['accept-encoding'], 'br')
})

test('accept-encoding lists gzip, deflate, br and zstd by default', async (t) => {
  const seen = []
  const { url } = await encodedServer(t, 'identity', 'plain', seen)
  await (await fetch(url)).text()
  const offered = seen[0]['accept-encoding'].split(',').map((s) => s.trim().split(';')[0])
  t.deepEqual(offered.slice().sort(), ['br', 'deflate', 'gzip', 'zstd'])
})

test('a request\'s own accept-encoding is sent as is, and the body is still decoded (as undici does)', async (t) => {
  const seen = []
  const { url } = await encodedServer(t, 'gzip', zlib.gzipSync(TEXT), seen)
  const res = await fetch(url, { headers: { 'accept-encoding': 'gzip' } })
  t.is(seen[0]['accept-encoding'], 'gzip')
  t.is(await res.text(), TEXT)
})

test('a gzip body is decoded as it streams: the first part arrives before the body ends', async (t) => {
  const first = 'first part, flushed on its own\n'
  let firstRead
  const clientGotFirst = new Promise((resolve) => { firstRead = resolve })
  let serverEnded = false
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip' })
    const gzip = zlib.createGzip()
    gzip.pipe(res)
    gzip.write(first)
    gzip.flush(zlib.constants.Z_SYNC_FLUSH, async () => {
      // Hold the rest back until the client has decoded the first part;
      // the bound only keeps a failing test from hanging.
      await Promise.race([clientGotFirst, new Promise((resolve) => setTimeout(resolve, 5000))])
      gzip.end('second part\n', () => { serverEnded = true })
    })
  })
  const res = await fetch(url)
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let endedBeforeFirst = null
  for (let i = 0; i < 1000; i++) {
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
    if (endedBeforeFirst === null && text.length >= first.length) {
      endedBeforeFirst = serverEnded
      firstRead()
    }
  }
  t.is(endedBeforeFirst, false)
  t.is(text, first + 'second part\n')
})

test('decompress: false on a request gives the raw bytes and content-encoding, and sends no accept-encoding', async (t) => {
  const seen = []
  const encoded = zlib.gzipSync(TEXT)
  const { url } = await encodedServer(t, 'gzip', encoded, seen)
  const res = await fetch(url, { decompress: false })
  t.is(res.headers.get('content-encoding'), 'gzip')
  t.true(Buffer.from(await res.arrayBuffer()).equals(encoded))
  t.is(seen[0]['accept-encoding'], undefined)
})

test('new Client({ decompress: false }) gives the raw bytes and sends no accept-encoding', async (t) => {
  const seen = []
  const encoded = zlib.brotliCompressSync(TEXT)
  const { url } = await encodedServer(t, 'br', encoded, seen)
  const client = new Client({ decompress: false })
  const res = await client.fetch(url)
  t.is(res.headers.get('content-encoding'), 'br')
  t.true(Buffer.from(await res.arrayBuffer()).equals(encoded))
  t.is(seen[0]['accept-encoding'], undefined)
})

test('decompress: true on a request overrides a client made with decompress: false', async (t) => {
  const { url } = await encodedServer(t, 'gzip', zlib.gzipSync(TEXT))
  const client = new Client({ decompress: false })
  const res = await client.fetch(url, { decompress: true })
  t.is(await res.text(), TEXT)
})

test('a corrupt gzip body errors the body with ERR_FF_DECODE, and later requests work', async (t) => {
  // A valid gzip header, then a deflate block of the reserved type 3.
  const corrupt = Buffer.concat([zlib.gzipSync(TEXT).subarray(0, 10), Buffer.alloc(64, 0xff)])
  const { url } = await encodedServer(t, 'gzip', corrupt)
  const res = await fetch(url)
  t.is(res.status, 200)
  const err = await settle(res.text())
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ERR_FF_DECODE')
  const good = await httpServer(t, (req, res) => res.end('still alive'))
  t.is(await (await fetch(good.url)).text(), 'still alive')
})

test('a gzip body cut short (the HTTP body complete) is a TypeError, never a short success', async (t) => {
  const encoded = zlib.gzipSync(TEXT)
  const { url } = await encodedServer(t, 'gzip', encoded.subarray(0, encoded.length >> 1))
  const res = await fetch(url)
  const err = await settle(res.text())
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ERR_FF_DECODE')
})

test('a gzip body whose connection closes early is a TypeError', async (t) => {
  const encoded = zlib.gzipSync(TEXT)
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': encoded.length })
    res.write(encoded.subarray(0, 100), () => res.destroy())
  })
  const res = await fetch(url)
  const err = await settle(res.text())
  t.true(err instanceof TypeError)
  // The transport's failure, not the decoder's complaint about it.
  t.is(err.cause.code, 'ERR_FF_INCOMPLETE_BODY')
})
