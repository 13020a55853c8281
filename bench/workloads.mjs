// The workload table. Each entry:
//   unit     what `value` measures; higher is better for every unit here
//   clients  client names (see clients.mjs) to run, in table order
//   run(client, baseUrl, quick) -> { value, ...details }
//   comparedWith  (optional) another workload whose peer rows the ratios use
//   peers    (optional) [base, second]: the clients the ratio columns divide by
//   tls      (optional) true: baseUrl is the server's https:// listener
// A new workload (upload, SSE, EventSource, idle streams, HTTP/2) is one more
// entry; workload-specific clients go in clients.mjs and its own `clients` list.

import diagnosticsChannel from 'node:diagnostics_channel'
import { performance } from 'node:perf_hooks'

import { CLIENTS, H2_CLIENTS, MAX_CONNECTIONS } from './clients.mjs'

const MB = 1e6
const WARMUP_REQUESTS = 200

async function sequential (client, url, count) {
  for (let i = 0; i < count; i++) checkSmall(await client.text(url))
}

/** `count` requests from `concurrency` loops sharing one counter. */
async function pooled (client, url, count, concurrency) {
  let started = 0
  const loop = async () => {
    while (started < count) {
      started++
      checkSmall(await client.text(url))
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, loop))
}

function checkSmall (body) {
  if (body !== 'hello world\n') throw new Error(`unexpected /small body: ${JSON.stringify(body).slice(0, 80)}`)
}

/**
 * Requests per second since `startMs`, and the process's CPU time (user +
 * system) per request since `startCpu`: on a loaded machine the CPU time
 * is the steadier figure.
 */
function rate (count, startMs, startCpu) {
  const seconds = (performance.now() - startMs) / 1000
  const cpu = process.cpuUsage(startCpu)
  return { value: count / seconds, seconds, requests: count, cpuUsPerRequest: (cpu.user + cpu.system) / count }
}

const UPLOAD_CHUNK = new Uint8Array(64 * 1024).fill(0x75)

/** A 1 GiB (quick: 64 MiB) upload in 64 KiB chunks through `method`. */
function uploadWorkload (method, clients) {
  return {
    unit: 'MB/s',
    clients,
    async run (client, baseUrl, quick) {
      const size = quick ? 64 * 2 ** 20 : 2 ** 30
      const start = performance.now()
      const result = await client[method](`${baseUrl}/upload`, size, UPLOAD_CHUNK)
      // A client that times itself (raw-socket) returns { bytes, seconds }.
      const received = typeof result === 'number' ? result : result.bytes
      const seconds = typeof result === 'number' ? (performance.now() - start) / 1000 : result.seconds
      if (received !== size) throw new Error(`server received ${received} bytes, expected ${size}`)
      return { value: size / MB / seconds, seconds, bytes: size }
    },
  }
}

/** Events per second reading the bench server's /sse stream. */
function sseWorkload (clients, peers) {
  return {
    unit: 'events/s',
    clients,
    peers,
    async run (client, baseUrl, quick) {
      const count = quick ? 100_000 : 1_000_000
      const start = performance.now()
      const n = await client.countEvents(`${baseUrl}/sse?events=${count}`, count)
      const seconds = (performance.now() - start) / 1000
      if (n !== count) throw new Error(`got ${n} events, expected ${count}`)
      return { value: n / seconds, seconds, events: n }
    },
  }
}

// How long the idle streams sit for the CPU measurement.
const IDLE_CPU_MS = 2000

/**
 * Memory per open, idle event stream: RSS growth while 2,000 (quick: 200)
 * streams are open, divided by their count (after a GC when --expose-gc is
 * available). With `idleCpu`, also the CPU per stream and second while they
 * then sit idle for 2 s.
 */
function idleWorkload (clients, peers, { idleCpu = false } = {}) {
  return {
    unit: 'KB/stream',
    lowerIsBetter: true,
    clients,
    peers,
    details: idleCpu ? ['idleCpuUsPerStreamPerS'] : [],
    async run (client, baseUrl, quick) {
      const count = quick ? 200 : 2000
      globalThis.gc?.()
      const before = process.memoryUsage().rss
      const handle = await client.openIdle(`${baseUrl}/sse-idle`, count)
      await new Promise((resolve) => setTimeout(resolve, 500))
      globalThis.gc?.()
      const after = process.memoryUsage().rss
      const result = { value: (after - before) / 1000 / count, streams: count }
      if (idleCpu) {
        const cpuBefore = process.cpuUsage()
        await new Promise((resolve) => setTimeout(resolve, IDLE_CPU_MS))
        const cpu = process.cpuUsage(cpuBefore)
        result.idleCpuUsPerStreamPerS = (cpu.user + cpu.system) / count / (IDLE_CPU_MS / 1000)
      }
      handle.close()
      return result
    },
  }
}

/** A 1 GiB (quick: 64 MiB) download read as a stream. */
const download = {
  unit: 'MB/s',
  clients: CLIENTS,
  async run (client, baseUrl, quick) {
    const size = quick ? 64 * 2 ** 20 : 2 ** 30
    const start = performance.now()
    const bytes = await client.readAll(`${baseUrl}/bytes?size=${size}`)
    const seconds = (performance.now() - start) / 1000
    if (bytes !== size) throw new Error(`read ${bytes} bytes, expected ${size}`)
    return { value: bytes / MB / seconds, seconds, bytes }
  },
}

/**
 * Subscribes to undici's request channels as a tracer does (it adds a
 * header on create and reads each response) and counts the requests that
 * completed, so that a row with a subscriber fails unless it really had one.
 */
function subscribeLikeATracer () {
  const seen = { completed: 0 }
  const onCreate = ({ request }) => request.addHeader('x-bench-trace', '1')
  const onHeaders = ({ response }) => response.statusCode
  const onTrailers = () => seen.completed++
  diagnosticsChannel.subscribe('undici:request:create', onCreate)
  diagnosticsChannel.subscribe('undici:request:headers', onHeaders)
  diagnosticsChannel.subscribe('undici:request:trailers', onTrailers)
  return seen
}

/** 20,000 (quick: 2,000) small GETs, one after another. */
async function smallSequential (client, baseUrl, quick) {
  const count = quick ? 2_000 : 20_000
  const url = `${baseUrl}/small`
  await sequential(client, url, WARMUP_REQUESTS)
  const startCpu = process.cpuUsage()
  const start = performance.now()
  await sequential(client, url, count)
  return rate(count, start, startCpu)
}

/** 20,000 (quick: 2,000) small GETs with 64 in flight. */
const smallC64 = {
  unit: 'req/s',
  clients: CLIENTS,
  details: ['cpuUsPerRequest'],
  async run (client, baseUrl, quick) {
    const count = quick ? 2_000 : 20_000
    const url = `${baseUrl}/small`
    // Warm up with the same concurrency so every client has its
    // connections open before the clock starts.
    await pooled(client, url, WARMUP_REQUESTS, MAX_CONNECTIONS)
    const startCpu = process.cpuUsage()
    const start = performance.now()
    await pooled(client, url, count, MAX_CONNECTIONS)
    return rate(count, start, startCpu)
  },
}

/**
 * `spec` over HTTP/2 with TLS (ALPN) against the server's https listener,
 * compared with undici allowH2. Before the clock starts, the server must
 * have seen an HTTP/2 request from this client, so a client that fell back
 * to HTTP/1.1 fails its row instead of measuring the wrong protocol.
 */
function overH2 (spec) {
  return {
    ...spec,
    clients: H2_CLIENTS,
    peers: ['undici-h2', 'undici-h2'],
    tls: true,
    async run (client, baseUrl, quick) {
      if (!baseUrl.startsWith('https:')) throw new Error(`HTTP/2 workloads need an https base URL, got ${baseUrl}`)
      const version = await client.text(`${baseUrl}/version`)
      if (version !== 'HTTP/2.0') throw new Error(`the server saw ${JSON.stringify(version)}, not HTTP/2.0`)
      return { ...(await spec.run(client, baseUrl, quick)), httpVersion: version }
    },
  }
}

export const workloads = {
  'download-1g': download,

  'small-seq': { unit: 'req/s', clients: CLIENTS, details: ['cpuUsPerRequest'], run: smallSequential },

  // small-seq with a diagnostics_channel subscriber (what tracing costs);
  // small-seq itself runs with none.
  'small-seq-traced': {
    unit: 'req/s',
    clients: CLIENTS,
    async run (client, baseUrl, quick) {
      const seen = subscribeLikeATracer()
      const result = await smallSequential(client, baseUrl, quick)
      const expected = result.requests + WARMUP_REQUESTS
      if (seen.completed !== expected) throw new Error(`the subscriber saw ${seen.completed} requests complete, expected ${expected}`)
      return result
    },
  },

  'small-c64': smallC64,

  // raw-socket is a reference, not a peer: the kernel path alone, with no
  // HTTP library or JS (crates/bench-server/src/bin/raw_upload.rs).
  'upload-1g-stream': uploadWorkload('uploadStream', [...CLIENTS, 'raw-socket']),

  // upload().writable is ferrofetch's own API; its ratio is read against
  // the peers' rows of upload-1g-stream.
  'upload-1g-writable': { ...uploadWorkload('uploadWritable', ['ferrofetch']), comparedWith: 'upload-1g-stream' },

  'sse-1m-events': sseWorkload(['ferrofetch-sse', 'esp-node-fetch'], ['esp-node-fetch', 'esp-node-fetch']),

  'sse-1m-eventsource': sseWorkload(['ferrofetch-eventsource', 'eventsource-pkg'], ['eventsource-pkg', 'eventsource-pkg']),

  // Memory per open, idle stream, against the event-stream packages.
  'sse-idle-2000': idleWorkload(['ferrofetch-sse', 'ferrofetch-eventsource', 'esp-node-fetch', 'eventsource-pkg'], ['esp-node-fetch', 'eventsource-pkg']),

  // What onDownloadProgress / onUploadProgress cost: the same transfers with
  // no-op callbacks, ratios against ferrofetch without them (target: within 3%).
  'download-1g-progress': { ...download, clients: ['ferrofetch', 'ferrofetch-progress'], peers: ['ferrofetch', 'ferrofetch'] },
  'upload-1g-progress': {
    ...uploadWorkload('uploadStream', ['ferrofetch', 'ferrofetch-progress']),
    peers: ['ferrofetch', 'ferrofetch'],
  },

  // 2,000 (quick: 200) idle event streams with and without eventTimeout:
  // memory per stream, and CPU per stream while they sit idle (the timers
  // live in Rust, one per stream, and must not wake JS).
  'sse-idle-2000-event-timeout': idleWorkload(
    ['ferrofetch-sse', 'ferrofetch-sse-timeout'],
    ['ferrofetch-sse', 'ferrofetch-sse'],
    { idleCpu: true }
  ),

  // Fan-in: 10,000 (quick: 1,000) streams open at once, each with one
  // ~25-byte event every 250 ms (40,000 events/s in all), as a gateway or
  // a dashboard backend sees them. `value` is the client process's CPU
  // time (user + system) per delivered event over a fixed window once all
  // streams are open; events/s delivered and RSS per stream beside it.
  'fanin-10k': {
    unit: 'CPU µs/event',
    lowerIsBetter: true,
    clients: ['ferrofetch-sse', 'ferrofetch-eventsource', 'eventsource-pkg', 'esp-node-fetch', 'esp-undici'],
    peers: ['eventsource-pkg', 'esp-undici'],
    details: ['eventsPerSec', 'kbPerStream'],
    async run (client, baseUrl, quick) {
      // BENCH_FANIN_STREAMS overrides the count (a machine too loaded to
      // serve 40,000 events/s can still compare CPU per event at fewer).
      const count = Number(process.env.BENCH_FANIN_STREAMS) || (quick ? 1_000 : 10_000)
      const windowMs = quick ? 3_000 : 10_000
      let events = 0
      const onEvent = () => events++
      globalThis.gc?.()
      const rssBefore = process.memoryUsage().rss
      const handle = await client.openFanIn(`${baseUrl}/sse-tick?every=250`, count, onEvent)
      try {
        // Let the opening burst settle: every stream is on its 250 ms beat.
        await new Promise((resolve) => setTimeout(resolve, 1_000))
        const startEvents = events
        const startCpu = process.cpuUsage()
        const start = performance.now()
        await new Promise((resolve) => setTimeout(resolve, windowMs))
        const cpu = process.cpuUsage(startCpu)
        const seconds = (performance.now() - start) / 1000
        const delivered = events - startEvents
        // Each stream sends 4 events/s: far fewer means streams stalled.
        if (delivered < count * 4 * seconds * 0.1) throw new Error(`only ${delivered} events in ${seconds.toFixed(1)} s from ${count} streams`)
        globalThis.gc?.()
        const kbPerStream = (process.memoryUsage().rss - rssBefore) / 1000 / count
        return { value: (cpu.user + cpu.system) / delivered, eventsPerSec: delivered / seconds, kbPerStream, streams: count, events: delivered }
      } finally {
        handle.close()
      }
    },
  },

  // HTTP/2 over TLS, negotiated by ALPN; ratios against undici allowH2.
  'h2-download-1g': overH2(download),
  'h2-small-c64': overH2(smallC64),
}
