import test from 'ava'
import { runNode, lastJson } from './helpers/child.mjs'
import { fileURLToPath } from 'node:url'
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { httpServer } from './helpers/servers.mjs'

const entry = fileURLToPath(new URL('../index.js', import.meta.url))
/** A bound for each child (a 1 GiB transfer), not a speed requirement. */
const CHILD_TIMEOUT_MS = 120_000

test('a 1 GiB body read by a slow consumer keeps memory bounded and the server waits', async (t) => {
  // In a child process, so peak RSS belongs to this download alone. The
  // consumer pauses after every 64 MiB; during a pause the server must stop.
  const script = `
    const http = require('node:http')
    const { fetch } = require(${JSON.stringify(entry)})
    const chunk = Buffer.alloc(1 << 20, 0x78)
    const total = 1024
    let sent = 0
    let maxAhead = 0
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-length': total * chunk.length })
      const pump = () => {
        while (sent < total * chunk.length) {
          sent += chunk.length
          if (!res.write(chunk)) { res.once('drain', pump); return }
        }
        res.end()
      }
      pump()
    }).listen(0, '127.0.0.1', async () => {
      const res = await fetch('http://127.0.0.1:' + server.address().port)
      let received = 0
      let nextPause = 64 << 20
      for await (const c of res.body) {
        received += c.length
        if (received >= nextPause) {
          nextPause += 64 << 20
          await new Promise((resolve) => setTimeout(resolve, 50))
          // After the pause the server has written all it could.
          maxAhead = Math.max(maxAhead, sent - received)
        }
      }
      server.close()
      console.log(JSON.stringify({ received, maxAheadMiB: maxAhead / 1048576, maxRssMiB: process.resourceUsage().maxRSS / 1024 }))
    })`
  const result = lastJson(await runNode(script, { timeoutMs: CHILD_TIMEOUT_MS }))
  t.is(result.received, 1024 * 1024 * 1024)
  // With backpressure the server gets at most the read-ahead queue plus
  // socket buffers ahead of the consumer; without, ~50 MiB per pause.
  t.true(result.maxAheadMiB < 40, `server ran ${result.maxAheadMiB} MiB ahead of the consumer`)
  // Node alone is ~40 MiB; buffering the body would be over 1 GiB.
  t.true(result.maxRssMiB < 200, `peak RSS ${result.maxRssMiB} MiB`)
  t.log(`peak RSS ${result.maxRssMiB.toFixed(0)} MiB, server at most ${result.maxAheadMiB.toFixed(1)} MiB ahead`)
})

// A reader that drops each chunk at once: what it costs beyond the moment
// the head arrived. Each chunk is a fresh buffer (the reader owns it), and
// V8 collects young ArrayBuffers only once enough of them add up: a
// scavenge runs when a new backing store is allocated while the young ones
// hold at least twice the default max semi-space (V8's
// Heap::AllocateExternalBackingStore, "external memory pressure" in
// --trace-gc; 32 MiB on Node 20, ~90 MiB measured on Node 24). Those dead
// chunks are most of the peak (issue 15, 1 GiB bench download on Node 20:
// 96 MiB = Node and the addon loaded 52, dead chunks ~32, V8 heap growth
// ~4, tokio arena ~2.5, code pages touched ~3; a BYOB reader, which makes
// no chunks, peaks at 64-66). A smaller chunk cap or read-ahead does not
// change the 32 MiB, and chunks made from Rust memory (external buffers)
// never trigger that scavenge, so dead ones wait for a mark-compact
// instead (141 MiB measured). So the measure is Node's own fetch reading
// the same body on the same Node: ours may add the 1 MiB read-ahead, the
// addon's code and heap, READ_AHEAD_MIB in all. Either way a body held
// whole (256 MiB) stays out of reach.
const READ_AHEAD_MIB = 16
const HELD_BODY_MIB = 128

test('a 256 MiB body read by a fast getReader() consumer grows RSS no more than with Node’s fetch, not by the body', async (t) => {
  const size = 256 * 1024 * 1024
  const chunk = Buffer.alloc(1 << 20, 0x79)
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-length': size })
    let sent = 0
    const pump = () => {
      while (sent < size) {
        sent += chunk.length
        if (!res.write(chunk)) return res.once('drain', pump)
      }
      res.end()
    }
    pump()
  })
  const readAll = (fetchExpression) => inChild(`
    const fetch = ${fetchExpression}
    fetch(url).then(async (res) => {
      const atHead = process.memoryUsage().rss
      let peak = atHead
      const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 20)
      const reader = res.body.getReader()
      let received = 0
      // Bounded by the body: each read takes a chunk or ends.
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        received += value.length
      }
      clearInterval(timer)
      peak = Math.max(peak, process.memoryUsage().rss)
      console.log(JSON.stringify({ received, growthMiB: (peak - atHead) / 1048576 }))
    })`, url)
  const ours = await readAll('require(entry).fetch')
  const node = await readAll('globalThis.fetch')
  t.is(ours.received, size)
  t.is(node.received, size)
  t.true(ours.growthMiB <= node.growthMiB + READ_AHEAD_MIB, `RSS grew by ${ours.growthMiB} MiB, with Node's fetch ${node.growthMiB}`)
  t.true(ours.growthMiB < HELD_BODY_MIB, `RSS grew by ${ours.growthMiB} MiB`)
  t.log(`RSS grew by ${ours.growthMiB.toFixed(1)} MiB over the head (Node's fetch ${node.growthMiB.toFixed(1)})`)
})

/**
 * Runs `script` (CommonJS, with `entry` and `url` in scope) in a child
 * process and returns the JSON it prints last.
 */
async function inChild (script, url) {
  const source = `const entry = ${JSON.stringify(entry)}; const url = ${JSON.stringify(url)};\n${script}`
  return lastJson(await runNode(source, { timeoutMs: CHILD_TIMEOUT_MS }))
}

/** A server in this process that counts what it receives. */
async function sinkServer (t) {
  const received = []
  const { url } = await httpServer(t, (req, res) => {
    let bytes = 0
    req.on('data', (chunk) => { bytes += chunk.length })
    req.on('end', () => {
      received.push({ bytes, headers: req.headers })
      res.end('ok')
    })
  })
  return { url, received }
}

// The bound: 80 MB of peak RSS for a 1 GiB upload. Node alone is
// about 45 MB; a body buffered whole would be over 1,000 (Node's own fetch
// reads a stream body without backpressure and peaks at ~1,150).
const UPLOAD_RSS_LIMIT_MB = 80

test('a 1 GiB upload from a fast producer keeps peak RSS under 80 MB', async (t) => {
  const { url, received } = await sinkServer(t)
  // The producer enqueues as fast as it is pulled: only the native queue's
  // backpressure keeps it from running ahead of the network. It cycles
  // through a few buffers of its own, so that the peak measures what the
  // client holds: a producer that allocates each chunk adds the dead chunks
  // V8 has not collected yet (30-50 MB between scavenges).
  const result = await inChild(`
    const { fetch } = require(entry)
    const pool = Array.from({ length: 4 }, () => new Uint8Array(64 * 1024).fill(0x61))
    let left = 16 * 1024
    const body = new ReadableStream({
      pull (controller) {
        if (left-- === 0) return controller.close()
        controller.enqueue(pool[left % pool.length])
      }
    })
    fetch(url, { method: 'POST', body, duplex: 'half' }).then(async (res) => {
      console.log(JSON.stringify({ status: res.status, text: await res.text(), maxRssMB: process.resourceUsage().maxRSS * 1024 / 1e6 }))
    })`, url)
  t.is(result.status, 200)
  t.is(received[0].bytes, 1024 * 1024 * 1024)
  t.is(received[0].headers['transfer-encoding'], 'chunked')
  t.true(result.maxRssMB <= UPLOAD_RSS_LIMIT_MB, `peak RSS ${result.maxRssMB} MB`)
  t.log(`peak RSS ${result.maxRssMB.toFixed(1)} MB`)
})

test('a FormData with a 1 GiB file streams the file with its Content-Length', async (t) => {
  const { url, received } = await sinkServer(t)
  const dir = await mkdtemp(join(tmpdir(), 'ferrofetch-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'big.bin')
  // A sparse file: 1 GiB of zeros without writing them to disk.
  await writeFile(path, '')
  await truncate(path, 1024 * 1024 * 1024)
  const result = await inChild(`
    const { fetch } = require(entry)
    require('node:fs').openAsBlob(${JSON.stringify(path)}).then(async (file) => {
      const form = new FormData()
      form.append('note', 'a big one')
      form.append('file', file, 'big.bin')
      const res = await fetch(url, { method: 'POST', body: form })
      console.log(JSON.stringify({ status: res.status, text: await res.text(), maxRssMB: process.resourceUsage().maxRSS * 1024 / 1e6 }))
    })`, url)
  t.is(result.status, 200)
  const { bytes, headers } = received[0]
  t.is(headers['content-length'], String(bytes))
  t.is(headers['transfer-encoding'], undefined)
  t.true(bytes > 1024 * 1024 * 1024)
  // The file's chunks are fresh buffers from Node's Blob reader, so dead
  // ones wait for V8's next scavenge (about 100 MB at the peak); reading
  // the file into memory first would be over 1,000.
  t.true(result.maxRssMB <= 2 * UPLOAD_RSS_LIMIT_MB, `peak RSS ${result.maxRssMB} MB`)
  t.log(`peak RSS ${result.maxRssMB.toFixed(1)} MB`)
})
