// onUploadProgress / onDownloadProgress in ky's shape
// ({ percent, transferredBytes, totalBytes }): counts, coalescing, the last
// call, upload progress counted where the connection takes the bytes, and
// a throwing callback failing the request.
import test from 'ava'
import { once } from 'node:events'
import zlib from 'node:zlib'
import { fetch, upload } from '../index.mjs'
import { httpServer, readBody, sleep } from './helpers/servers.mjs'
import { settle } from './helpers/differential.mjs'

/** Records calls with the time they came. */
function recorder () {
  const calls = []
  const fn = (p) => calls.push({ ...p, at: performance.now() })
  return { calls, fn }
}

function assertMonotonic (t, calls) {
  for (let i = 1; i < calls.length; i++) {
    t.true(calls[i].transferredBytes >= calls[i - 1].transferredBytes, `call ${i} went back`)
  }
}

/** Writes `total` bytes in `chunk`-byte writes, pausing `pause` ms between them. */
async function writeSlowly (res, total, chunk, pause) {
  for (let sent = 0; sent < total; sent += chunk) {
    if (!res.write(Buffer.alloc(Math.min(chunk, total - sent), 97))) await once(res, 'drain')
    if (pause > 0) await sleep(pause)
  }
  res.end()
}

test('download progress counts the body bytes delivered, with a first call at 0 and a last at percent 1', async (t) => {
  const total = 3 * 1024 * 1024
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-length': total })
    writeSlowly(res, total, 256 * 1024, 5)
  })
  const { calls, fn } = recorder()
  const res = await fetch(url, { onDownloadProgress: fn })
  t.deepEqual(calls.map(({ at, ...p }) => p)[0], { percent: 0, transferredBytes: 0, totalBytes: total })
  const bytes = await res.bytes()
  t.is(bytes.length, total)
  const last = calls.at(-1)
  t.deepEqual({ ...last, at: undefined }, { percent: 1, transferredBytes: total, totalBytes: total, at: undefined }, 'the last call came before the body resolved')
  assertMonotonic(t, calls)
  for (const c of calls.slice(0, -1)) t.is(c.percent, c.transferredBytes / total)
})

test('download progress with an unknown length has totalBytes 0 and percent 0 until the end', async (t) => {
  const { url } = await httpServer(t, (req, res) => writeSlowly(res, 200_000, 20_000, 20))
  const { calls, fn } = recorder()
  const text = await (await fetch(url, { onDownloadProgress: fn })).text()
  t.is(text.length, 200_000)
  t.true(calls.length >= 2)
  for (const c of calls.slice(0, -1)) {
    t.is(c.totalBytes, 0)
    t.is(c.percent, 0)
  }
  t.like(calls.at(-1), { percent: 1, transferredBytes: 200_000, totalBytes: 200_000 })
})

test('download progress counts decoded bytes: a compressed body’s Content-Length is not its total', async (t) => {
  const plain = Buffer.alloc(500_000, 'abc')
  const gz = zlib.gzipSync(plain)
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': gz.length })
    res.end(gz)
  })
  const { calls, fn } = recorder()
  t.is((await (await fetch(url, { onDownloadProgress: fn })).bytes()).length, plain.length)
  t.is(calls[0].totalBytes, 0)
  t.like(calls.at(-1), { percent: 1, transferredBytes: plain.length })
})

test('download progress calls are coalesced: at most one per 16 ms besides the first and last', async (t) => {
  const { url } = await httpServer(t, async (req, res) => {
    // Many small chunks, each read on its own.
    for (let i = 0; i < 300; i++) {
      res.write('x'.repeat(100))
      if (i % 10 === 0) await sleep(1)
    }
    res.end()
  })
  const { calls, fn } = recorder()
  const res = await fetch(url, { onDownloadProgress: fn })
  const reader = res.body.getReader()
  let reads = 0
  while (!(await reader.read()).done) reads++
  const middle = calls.slice(1, -1)
  for (let i = 1; i < middle.length; i++) t.true(middle[i].at - middle[i - 1].at >= 15, 'reports 16 ms apart')
  t.true(calls.length <= reads + 2, `${calls.length} calls for ${reads} reads`)
  t.like(calls.at(-1), { percent: 1, transferredBytes: 30_000 })
})

test('a response without a body gets one call at percent 1', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(204)
    res.end()
  })
  const { calls, fn } = recorder()
  await fetch(url, { method: 'HEAD', onDownloadProgress: fn })
  t.deepEqual(calls.map(({ at, ...p }) => p), [{ percent: 1, transferredBytes: 0, totalBytes: 0 }])
})

test('upload progress of a bytes body: sent with its Content-Length, from 0 to percent 1', async (t) => {
  const total = 8 * 1024 * 1024
  let seen = null
  const { url } = await httpServer(t, async (req, res) => {
    seen = { length: req.headers['content-length'], chunked: req.headers['transfer-encoding'], body: await readBody(req) }
    res.end('ok')
  })
  const { calls, fn } = recorder()
  const body = Buffer.alloc(total, 5)
  const res = await fetch(url, { method: 'POST', body, onUploadProgress: fn })
  t.is(await res.text(), 'ok')
  t.is(seen.length, String(total))
  t.is(seen.chunked, undefined)
  t.true(seen.body.equals(body))
  t.like(calls[0], { percent: 0, transferredBytes: 0, totalBytes: total })
  t.like(calls.at(-1), { percent: 1, transferredBytes: total, totalBytes: total })
  assertMonotonic(t, calls)
})

test('upload progress counts what the connection took: a server that reads nothing stops the count', async (t) => {
  const total = 64 * 1024 * 1024
  let request = null
  const arrived = new Promise((resolve) => {
    httpServer(t, (req, res) => {
      req.pause()
      request = { req, res }
      resolve()
    }).then(({ url }) => run(url))
  })
  let pending = null
  const { calls, fn } = recorder()
  const run = (url) => {
    pending = fetch(url, { method: 'PUT', body: new Blob([Buffer.alloc(total, 1)]), onUploadProgress: fn })
  }
  await arrived
  // Wait (bounded) until the count holds still for 300 ms: the kernel's
  // buffers are full and nothing more is taken.
  let stalled = null
  for (let i = 0; i < 50 && stalled === null; i++) {
    const before = calls.at(-1)?.transferredBytes
    await sleep(300)
    if (calls.at(-1)?.transferredBytes === before) stalled = before
  }
  t.not(stalled, null, 'the count stopped growing')
  t.true(stalled < total, `${stalled} of ${total} bytes counted while the server read nothing`)
  t.true(calls.every((c) => c.percent < 1))
  // The server reads again: the count runs to the end.
  const { req, res } = request
  req.resume()
  await readBody(req)
  res.end('done')
  t.is(await (await pending).text(), 'done')
  t.like(calls.at(-1), { percent: 1, transferredBytes: total, totalBytes: total })
})

test('upload() reports progress of what is written, to percent 1 once the body is taken', async (t) => {
  const { url } = await httpServer(t, async (req, res) => res.end(String((await readBody(req)).length)))
  const { calls, fn } = recorder()
  const { writable, response } = upload(url, { onUploadProgress: fn })
  const writer = writable.getWriter()
  for (let i = 0; i < 20; i++) await writer.write(Buffer.alloc(64 * 1024, i))
  await writer.close()
  t.is(await (await response).text(), String(20 * 64 * 1024))
  // The last report may follow the response by one interval.
  for (let i = 0; i < 100 && calls.at(-1)?.percent !== 1; i++) await sleep(20)
  t.like(calls.at(-1), { percent: 1, transferredBytes: 20 * 64 * 1024 })
  t.is(calls[0].totalBytes, 0, 'no Content-Length: the total is unknown')
})

test('a download callback that throws fails the request with its error', async (t) => {
  const { url } = await httpServer(t, (req, res) => writeSlowly(res, 1_000_000, 50_000, 20))
  const boom = new Error('stop at head')
  t.is(await settle(fetch(url, { onDownloadProgress: () => { throw boom } })), boom)
  let closed = null
  const later = await httpServer(t, (req, res) => {
    closed = once(res, 'close')
    writeSlowly(res, 10_000_000, 50_000, 20)
  })
  const late = new Error('stop later')
  let n = 0
  const res = await fetch(later.url, { onDownloadProgress: (p) => { if (++n === 2) throw late } })
  t.is(await settle(res.text()), late)
  await closed
  t.pass('the connection was closed')
})

test('an upload callback that throws fails the request with its error', async (t) => {
  const { url } = await httpServer(t, async (req, res) => res.end(String((await readBody(req)).length)))
  const boom = new Error('no more')
  let n = 0
  const err = await settle(fetch(url, {
    method: 'POST',
    body: new Blob([Buffer.alloc(32 * 1024 * 1024)]),
    onUploadProgress: () => { if (++n === 2) throw boom }
  }))
  t.is(err, boom)
})

test('a progress callback that is not a function is a TypeError before any request', async (t) => {
  let requests = 0
  const { url } = await httpServer(t, (req, res) => { requests++; res.end() })
  t.true(await settle(fetch(url, { onDownloadProgress: 'yes' })) instanceof TypeError)
  t.true(await settle(fetch(url, { method: 'POST', body: 'x', onUploadProgress: {} })) instanceof TypeError)
  t.throws(() => upload(url, { onUploadProgress: 1 }), { instanceOf: TypeError })
  t.is(requests, 0)
})
