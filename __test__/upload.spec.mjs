import test from 'ava'
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { fetch, upload } from '../index.mjs'
import { httpServer, readBody, sleep } from './helpers/servers.mjs'
import { settle } from './helpers/differential.mjs'

/** Echoes the body with what the server saw of it. */
async function echoServer (t) {
  const seen = []
  const server = await httpServer(t, async (req, res) => {
    const record = { pieces: [], ended: false, aborted: false, headers: req.headers, method: req.method }
    seen.push(record)
    req.on('aborted', () => { record.aborted = true })
    req.on('error', () => { record.aborted = true })
    try {
      for await (const c of req) record.pieces.push({ at: Date.now(), text: c.toString('latin1') })
      record.ended = true
    } catch {
      record.aborted = true
      return
    }
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ body: record.pieces.map((p) => p.text).join(''), te: req.headers['transfer-encoding'], method: req.method }))
  })
  return { ...server, seen }
}

test('a ReadableStream body is sent as it is produced', async (t) => {
  const { url, seen } = await echoServer(t)
  let lastProducedAt = 0
  const words = ['This ', 'is ', 'a ', 'slow ', 'request.']
  const source = new ReadableStream({
    async start (controller) {
      for (const word of words) {
        await sleep(300)
        lastProducedAt = Date.now()
        controller.enqueue(word)
      }
      controller.close()
    }
  }).pipeThrough(new TextEncoderStream())
  const res = await fetch(url, { method: 'POST', body: source, duplex: 'half' })
  const echo = await res.json()
  t.is(echo.body, 'This is a slow request.')
  t.is(echo.te, 'chunked')
  // The first piece reached the server before the last one was produced.
  t.true(seen[0].pieces[0].at < lastProducedAt)
})

test('upload() writes go to the server, close() ends the body, response resolves', async (t) => {
  const { url } = await echoServer(t)
  const { writable, response } = upload(url, { headers: { 'content-type': 'text/plain' } })
  const writer = writable.getWriter()
  await writer.write('hello ')
  await writer.write(new Uint8Array([119, 111, 114, 108, 100]))
  await writer.close()
  const echo = await (await response).json()
  t.is(echo.body, 'hello world')
  t.is(echo.method, 'POST')
})

test('upload() backpressure: ready waits while the server does not read', async (t) => {
  let resumeServer
  const { url } = await httpServer(t, async (req, res) => {
    req.pause()
    await new Promise((resolve) => { resumeServer = resolve })
    req.resume()
    let n = 0
    for await (const c of req) n += c.length
    res.end(String(n))
  })
  const { writable, response } = upload(url)
  const writer = writable.getWriter()
  const chunk = new Uint8Array(64 * 1024)
  let written = 0
  let blocked = false
  // Bounded: 64 MiB at most; the queue plus socket buffers fill far sooner.
  for (let i = 0; i < 1024; i++) {
    const ready = await Promise.race([writer.ready.then(() => true), sleep(500).then(() => false)])
    if (!ready) {
      blocked = true
      break
    }
    writer.write(chunk)
    written += chunk.length
  }
  t.true(blocked, 'writer.ready should stay pending while the server is not reading')
  t.true(writer.desiredSize <= 0)
  resumeServer()
  await writer.ready
  await writer.close()
  t.is(Number(await (await response).text()), written)
})

test('aborting the writable aborts the request and the server never sees a clean end', async (t) => {
  const { url, seen } = await echoServer(t)
  const { writable, response } = upload(url)
  const writer = writable.getWriter()
  await writer.write('partial')
  for (let i = 0; i < 100 && seen.length === 0; i++) await sleep(10)
  const reason = new Error('producer gave up')
  await writer.abort(reason)
  t.is(await settle(response), reason)
  for (let i = 0; i < 100 && !seen[0].aborted; i++) await sleep(10)
  t.true(seen[0].aborted)
  t.false(seen[0].ended)
})

test('a source stream that errors fails fetch with its error, and the body is not ended cleanly', async (t) => {
  const { url, seen } = await echoServer(t)
  const failure = new Error('source broke')
  let sent = false
  const source = new ReadableStream({
    async pull (controller) {
      if (!sent) {
        sent = true
        controller.enqueue(new TextEncoder().encode('first part'))
        return
      }
      await sleep(100)
      controller.error(failure)
    }
  })
  t.is(await settle(fetch(url, { method: 'POST', body: source, duplex: 'half' })), failure)
  for (let i = 0; i < 100 && !(seen[0]?.aborted); i++) await sleep(10)
  t.true(seen[0].aborted)
  t.false(seen[0].ended)
})

test('aborting mid-upload rejects with the reason and resets the body', async (t) => {
  const { url, seen } = await echoServer(t)
  const controller = new AbortController()
  const source = new ReadableStream({
    async pull (c) {
      await sleep(20)
      c.enqueue(new Uint8Array(100))
    }
  })
  const pending = fetch(url, { method: 'POST', body: source, duplex: 'half', signal: controller.signal })
  for (let i = 0; i < 100 && (seen.length === 0 || seen[0].pieces.length === 0); i++) await sleep(10)
  const reason = new Error('cancelled upload')
  controller.abort(reason)
  t.is(await settle(pending), reason)
  for (let i = 0; i < 100 && !seen[0].aborted; i++) await sleep(10)
  t.true(seen[0].aborted)
  t.false(seen[0].ended)
})

test('a server that answers 413 early stops the producer', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(413, { connection: 'close' })
    res.end('too large')
  })
  let cancelled = false
  let pulls = 0
  const source = new ReadableStream({
    async pull (c) {
      pulls++
      await sleep(5)
      c.enqueue(new Uint8Array(64 * 1024))
    },
    cancel () { cancelled = true }
  })
  let outcome
  try {
    const res = await fetch(url, { method: 'POST', body: source, duplex: 'half' })
    outcome = res.status
  } catch (err) {
    outcome = err
  }
  // Either the 413 arrives or a clear network error does; never a hang.
  t.true(outcome === 413 || outcome instanceof TypeError, `got ${outcome}`)
  // eslint-disable-next-line no-unmodified-loop-condition -- the stream's cancel() sets it
  for (let i = 0; i < 200 && !cancelled; i++) await sleep(10)
  t.true(cancelled, 'the producer should be told to stop')
  const pullsAtStop = pulls
  await sleep(100)
  t.true(pulls <= pullsAtStop + 1)
})

test('the TransformStream pattern: fetch reads the readable while JS writes the writable', async (t) => {
  const { url } = await echoServer(t)
  const { readable, writable } = new TransformStream()
  const pending = fetch(url, { method: 'PUT', body: readable, duplex: 'half' })
  const writer = writable.getWriter()
  const encoder = new TextEncoder()
  for (const part of ['a', 'b', 'c']) await writer.write(encoder.encode(part))
  await writer.close()
  const echo = await (await pending).json()
  t.is(echo.body, 'abc')
  t.is(echo.method, 'PUT')
})

test('a response piped through CompressionStream into another upload arrives intact', async (t) => {
  const payload = Buffer.alloc(3 * 1024 * 1024)
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) % 251
  const expected = createHash('sha256').update(payload).digest('hex')
  const source = await httpServer(t, (req, res) => res.end(payload))
  const sink = await httpServer(t, async (req, res) => {
    const hash = createHash('sha256')
    for await (const c of req.pipe(createGunzip())) hash.update(c)
    res.end(hash.digest('hex'))
  })
  const download = await fetch(source.url)
  const res = await fetch(sink.url, {
    method: 'POST',
    body: download.body.pipeThrough(new CompressionStream('gzip')),
    duplex: 'half'
  })
  t.is(await res.text(), expected)
})

test('Node Readable and async iterables are accepted as bodies', async (t) => {
  const { url } = await echoServer(t)
  const fromReadable = await fetch(url, { method: 'POST', body: Readable.from(['node ', Buffer.from('readable')]), duplex: 'half' })
  t.is((await fromReadable.json()).body, 'node readable')
  async function * generate () {
    yield 'async '
    yield new TextEncoder().encode('iterable')
  }
  const fromIterable = await fetch(url, { method: 'POST', body: generate(), duplex: 'half' })
  t.is((await fromIterable.json()).body, 'async iterable')
})

test('a FormData body with a file is sent as multipart', async (t) => {
  let received
  const { url } = await httpServer(t, async (req, res) => {
    received = { type: req.headers['content-type'], body: (await readBody(req)).toString() }
    res.end()
  })
  const form = new FormData()
  form.append('name', 'value')
  form.append('file', new File(['file contents'], 'a.txt', { type: 'text/plain' }))
  await (await fetch(url, { method: 'POST', body: form })).text()
  t.regex(received.type, /^multipart\/form-data; boundary=/)
  t.true(received.body.includes('file contents'))
  t.true(received.body.includes('filename="a.txt"'))
})

/** A server that answers with the sha256 of the body and how it was framed. */
async function hashServer (t) {
  return httpServer(t, async (req, res) => {
    if (req.url === '/307') {
      await readBody(req).catch(() => {})
      res.writeHead(307, { location: '/' })
      return res.end()
    }
    const bytes = await readBody(req)
    if (req.url === '/echo') {
      res.writeHead(200, { 'content-type': req.headers['content-type'], 'x-content-length': req.headers['content-length'] ?? 'none', 'x-te': req.headers['transfer-encoding'] ?? 'none' })
      return res.end(bytes)
    }
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({
      sha256: createHash('sha256').update(bytes).digest('hex'),
      length: bytes.length,
      contentLength: req.headers['content-length'] ?? null,
      te: req.headers['transfer-encoding'] ?? null,
      type: req.headers['content-type'] ?? null
    }))
  })
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')

test('a large Blob is streamed with its Content-Length, byte for byte', async (t) => {
  const { url } = await hashServer(t)
  // Over the 1 MiB buffering limit, in parts, with a type.
  const parts = [new Uint8Array(1 << 20).fill(7), 'text in the middle', new Uint8Array(700_000).fill(9)]
  const blob = new Blob(parts, { type: 'application/x-parts' })
  const expected = new Uint8Array(await blob.arrayBuffer())
  const seen = await (await fetch(url, { method: 'POST', body: blob })).json()
  t.deepEqual(seen, {
    sha256: sha256(expected),
    length: blob.size,
    contentLength: String(blob.size),
    te: null,
    type: 'application/x-parts'
  })
})

test('a FormData with a large file: multipart streamed with its Content-Length', async (t) => {
  const { url } = await hashServer(t)
  const contents = new Uint8Array(3 << 20)
  for (let i = 0; i < contents.length; i++) contents[i] = (i * 31) & 0xff
  const form = new FormData()
  form.append('title', 'line one\nline two')
  form.append('file', new File([contents], 'data "q".bin'))
  const res = await fetch(`${url}/echo`, { method: 'POST', body: form })
  t.is(res.headers.get('x-te'), 'none')
  const bytes = await res.arrayBuffer()
  t.is(res.headers.get('x-content-length'), String(bytes.byteLength))
  // Node's own multipart parser reads back what we sent.
  const back = await new globalThis.Response(bytes, { headers: { 'content-type': res.headers.get('content-type') } }).formData()
  t.is(back.get('title'), 'line one\r\nline two')
  const file = back.get('file')
  t.is(file.name, 'data "q".bin')
  t.is(file.type, 'application/octet-stream')
  t.is(sha256(new Uint8Array(await file.arrayBuffer())), sha256(contents))
})

/**
 * A server for redirected uploads: /<status>/<n>/<rest> answers <status>
 * with Location /<rest> (so redirects chain), after reading the body when
 * <n> is 'read', or at once, before the body is read, when it is 'early'.
 * Anything else answers with what the server saw of the body.
 */
async function redirectingServer (t) {
  const seen = []
  const server = await httpServer(t, async (req, res) => {
    const m = /^\/(\d{3})\/(read|early)(\/.*)$/.exec(req.url)
    if (m !== null && m[2] === 'early') {
      res.writeHead(Number(m[1]), { location: m[3] })
      res.end()
      // Discards whatever of the body still arrives.
      req.resume()
      return
    }
    const bytes = await readBody(req)
    seen.push({ url: req.url, method: req.method, length: bytes.length })
    if (m !== null) {
      res.writeHead(Number(m[1]), { location: m[3] })
      return res.end()
    }
    res.writeHead(200, {
      'content-type': req.headers['content-type'] ?? 'none',
      'x-method': req.method,
      'x-content-length': req.headers['content-length'] ?? 'none',
      'x-te': req.headers['transfer-encoding'] ?? 'none'
    })
    res.end(bytes)
  })
  return { ...server, seen }
}

/** A Blob over the 1 MiB buffering limit (so it is streamed), in parts. */
function largeBlob (size) {
  const head = new Uint8Array(size - 1000)
  for (let i = 0; i < head.length; i++) head[i] = (i * 7) & 0xff
  return new Blob([head, 'x'.repeat(1000)], { type: 'application/x-large' })
}

for (const [status, method] of [[307, 'POST'], [308, 'POST'], [301, 'PUT'], [302, 'PATCH']]) {
  test(`a large Blob follows ${status} with ${method}: sent again from its start, with its Content-Length`, async (t) => {
    const { url, seen } = await redirectingServer(t)
    const blob = largeBlob(3 << 20)
    const res = await fetch(`${url}/${status}/read/final`, { method, body: blob })
    t.true(res.redirected)
    t.is(res.headers.get('x-method'), method)
    t.is(res.headers.get('x-content-length'), String(blob.size))
    t.is(res.headers.get('x-te'), 'none')
    t.is(res.headers.get('content-type'), 'application/x-large')
    t.is(sha256(new Uint8Array(await res.arrayBuffer())), sha256(new Uint8Array(await blob.arrayBuffer())))
    t.deepEqual(seen.map((s) => s.length), [blob.size, blob.size])
  })
}

test('a large Blob redirected before it was read is sent whole to the new URL, twice over', async (t) => {
  // The server answers each redirect before reading the body: every
  // attempt starts the Blob over.
  const { url, seen } = await redirectingServer(t)
  const blob = largeBlob(16 << 20)
  const res = await fetch(`${url}/307/early/308/early/final`, { method: 'POST', body: blob })
  t.true(res.redirected)
  t.is(res.url, `${url}/final`)
  t.is(res.headers.get('x-content-length'), String(blob.size))
  t.is(sha256(new Uint8Array(await res.arrayBuffer())), sha256(new Uint8Array(await blob.arrayBuffer())))
  t.deepEqual(seen, [{ url: '/final', method: 'POST', length: blob.size }])
})

test('a FormData with a large file follows 308 and reads back whole; a small one is replayed too', async (t) => {
  const { url } = await redirectingServer(t)
  const contents = new Uint8Array(2 << 20)
  for (let i = 0; i < contents.length; i++) contents[i] = (i * 13) & 0xff
  for (const file of [new File([contents], 'big.bin'), new File(['small'], 'small.txt')]) {
    const form = new FormData()
    form.append('title', 'kept')
    form.append('file', file)
    const res = await fetch(`${url}/308/read/final`, { method: 'POST', body: form })
    t.true(res.redirected)
    const bytes = await res.arrayBuffer()
    t.is(res.headers.get('x-content-length'), String(bytes.byteLength))
    const back = await new globalThis.Response(bytes, { headers: { 'content-type': res.headers.get('content-type') } }).formData()
    t.is(back.get('title'), 'kept')
    t.is(sha256(new Uint8Array(await back.get('file').arrayBuffer())), sha256(new Uint8Array(await file.arrayBuffer())))
  }
})

test('303 sends a large Blob once and follows with a GET without a body', async (t) => {
  const { url, seen } = await redirectingServer(t)
  const res = await fetch(`${url}/303/read/final`, { method: 'POST', body: largeBlob(2 << 20) })
  t.is(res.headers.get('x-method'), 'GET')
  t.is(res.headers.get('x-content-length'), 'none')
  t.is((await res.arrayBuffer()).byteLength, 0)
  t.deepEqual(seen.map((s) => [s.method, s.length]), [['POST', 2 << 20], ['GET', 0]])
})

test('a large Blob redirected in a loop fails after twenty redirects, having sent every attempt whole', async (t) => {
  const lengths = []
  const { url: base } = await httpServer(t, async (req, res) => {
    lengths.push((await readBody(req)).length)
    res.writeHead(307, { location: '/again' })
    res.end()
  })
  const blob = largeBlob(2 << 20)
  const err = await settle(fetch(`${base}/first`, { method: 'POST', body: blob }))
  t.true(err instanceof TypeError)
  t.is(err.cause?.code, 'ERR_FF_TOO_MANY_REDIRECTS')
  // The first request and twenty redirects.
  t.deepEqual(lengths, Array(21).fill(blob.size))
})

test('aborting while a redirected Blob is sent again rejects with the reason', async (t) => {
  let attempts = 0
  const controller = new AbortController()
  const { url } = await httpServer(t, async (req, res) => {
    attempts++
    if (attempts === 1) {
      await readBody(req)
      res.writeHead(307, { location: '/second' })
      return res.end()
    }
    // The second attempt: abort once its body has started to arrive.
    req.once('data', () => controller.abort(new Error('stop now')))
    req.resume()
  })
  const err = await settle(fetch(`${url}/first`, { method: 'POST', body: largeBlob(16 << 20), signal: controller.signal }))
  t.is(err.message, 'stop now')
  t.is(attempts, 2)
})

test('a streamed body cannot follow 307 or 302, but 303 turns it into a GET', async (t) => {
  const { url } = await httpServer(t, async (req, res) => {
    await readBody(req).catch(() => {})
    if (req.url === '/307') {
      res.writeHead(307, { location: '/end' })
      return res.end()
    }
    if (req.url === '/303' || req.url === '/302') {
      res.writeHead(Number(req.url.slice(1)), { location: '/end' })
      return res.end()
    }
    res.end(`${req.method} ${req.headers['transfer-encoding'] ?? 'no body'}`)
  })
  const body = () => new ReadableStream({ start (c) { c.enqueue(new Uint8Array([1])); c.close() } })
  const err = await settle(fetch(`${url}/307`, { method: 'POST', body: body(), duplex: 'half' }))
  t.true(err instanceof TypeError)
  t.is(err.cause?.code, 'ERR_FF_BAD_REDIRECT')
  // Even a 302 of a POST, which would drop the body: Fetch checks the
  // body's source first (HTTP-redirect fetch step 11), as Node's fetch does.
  const after302 = await settle(fetch(`${url}/302`, { method: 'POST', body: body(), duplex: 'half' }))
  t.is(after302.cause?.code, 'ERR_FF_BAD_REDIRECT')
  await t.throwsAsync(globalThis.fetch(`${url}/302`, { method: 'POST', body: body(), duplex: 'half' }), { instanceOf: TypeError })
  const res = await fetch(`${url}/303`, { method: 'POST', body: body(), duplex: 'half' })
  t.is(await res.text(), 'GET no body')
})
