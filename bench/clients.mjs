// The HTTP clients under test, behind one small interface so workloads stay
// client-agnostic:
//   readAll(url) -> number of body bytes, read as a stream
//   text(url)    -> body as a string
//   close()      -> release pooled connections
// Fetch-style clients also expose `fetch`, for workloads that need the full
// WHATWG API (uploads, SSE, aborts).

import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { promisify } from 'node:util'

import { RAW_UPLOAD_BIN } from './server.mjs'

const require = createRequire(import.meta.url)

/** Client names in table order; the first is the subject, the rest are peers. */
export const CLIENTS = ['ferrofetch', 'node-fetch', 'undici-request']

/** Concurrency the c64 workload uses; the undici pool is sized to match. */
export const MAX_CONNECTIONS = 64

/** The HTTP/2-over-TLS clients; undici with allowH2 is the reference. */
export const H2_CLIENTS = ['ferrofetch-h2', 'node-fetch-h2', 'undici-h2']

/** A ReadableStream of `total` bytes in `chunk`-sized pieces of one buffer. */
function byteSource (total, chunk) {
  let sent = 0
  return new ReadableStream({
    pull (controller) {
      if (sent >= total) return controller.close()
      const n = Math.min(chunk.length, total - sent)
      sent += n
      controller.enqueue(n === chunk.length ? chunk : chunk.subarray(0, n))
    },
  })
}

async function uploadedBytes (res) {
  if (res.status !== 200) throw new Error(`upload: HTTP ${res.status}`)
  return JSON.parse(await res.text()).bytes
}

function fetchClient (name, fetch, warning) {
  async function get (url) {
    const res = await fetch(url)
    if (res.status !== 200) {
      await res.arrayBuffer().catch(() => {})
      throw new Error(`${url}: HTTP ${res.status}`)
    }
    return res
  }
  return {
    name,
    warning,
    fetch,
    async readAll (url) {
      const reader = (await get(url)).body.getReader()
      let bytes = 0
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return bytes
        bytes += value.byteLength
      }
    },
    async text (url) {
      return (await get(url)).text()
    },
    /** POSTs `total` bytes from a ReadableStream body (duplex: 'half'). */
    async uploadStream (url, total, chunk) {
      const res = await fetch(url, { method: 'POST', body: byteSource(total, chunk), duplex: 'half' })
      return uploadedBytes(res)
    },
    async close () {},
  }
}

/**
 * Loads ../index.js. run.mjs probes it once per bench run and passes the
 * verdict in BENCH_FERROFETCH_STANDIN, so a library that appears (or breaks)
 * mid-run cannot mix stand-in and real numbers in one row: a stand-in run
 * stays a stand-in, and a real run that fails to load is a failure.
 * Run by hand (variable unset), the worker falls back to the stand-in.
 */
function loadFerrofetch () {
  const verdict = process.env.BENCH_FERROFETCH_STANDIN
  if (verdict) return standIn(verdict)
  try {
    const client = fetchClient('ferrofetch', requireFerrofetch())
    const { upload } = require('../index.js')
    /** POSTs `total` bytes written into upload().writable. */
    client.uploadWritable = async (url, total, chunk) => {
      const { writable, response } = upload(url)
      const writer = writable.getWriter()
      for (let sent = 0; sent < total; sent += chunk.length) {
        await writer.ready
        writer.write(sent + chunk.length <= total ? chunk : chunk.subarray(0, total - sent))
      }
      await writer.close()
      return uploadedBytes(await response)
    }
    return client
  } catch (err) {
    if (verdict === '') throw err
    return standIn(firstLine(err))
  }
}

/** Returns ferrofetch's fetch or throws why it is unusable. */
export function requireFerrofetch () {
  const mod = require('../index.js')
  if (typeof mod.fetch !== 'function') throw new Error('index.js has no fetch export')
  return mod.fetch
}

const firstLine = (err) => String(err?.message ?? err).split('\n')[0]

// Lets the harness be developed before the library exists; every result row
// carries the warning so nobody mistakes these numbers for ferrofetch.
function standIn (reason) {
  return fetchClient(
    'ferrofetch',
    globalThis.fetch,
    `ferrofetch not available (${reason}); Node's global fetch stood in`
  )
}

/**
 * The CA that signed the bench server's TLS certificate (PEM), from the file
 * run.mjs names in BENCH_TLS_CA_FILE.
 */
function benchCa () {
  const file = process.env.BENCH_TLS_CA_FILE
  if (!file) throw new Error('BENCH_TLS_CA_FILE is not set (the TLS workloads run under run.mjs)')
  return readFileSync(file, 'utf8')
}

/**
 * undici Agent options for HTTP/2 over TLS (ALPN offers h2 first). With 64
 * in flight undici opens one h2 session per busy connection rather than
 * multiplexing one: `connections: 64` (or 8) gave it about twice the small
 * GET rate of `connections: 1`, and the same download rate.
 */
function h2AgentOptions () {
  return { allowH2: true, connections: MAX_CONNECTIONS, connect: { ca: benchCa() } }
}

/** ferrofetch's Client trusting the bench CA; ALPN negotiates h2. */
function loadFerrofetchH2 () {
  const verdict = process.env.BENCH_FERROFETCH_STANDIN
  if (verdict) throw new Error(`ferrofetch not available (${verdict})`)
  const { Client } = require('../index.js')
  const ff = new Client({ tls: { ca: benchCa() } })
  const client = fetchClient('ferrofetch-h2', (input, init) => ff.fetch(input, init))
  client.close = async () => ff.close()
  return client
}

/** Node's global fetch with undici's h2 Agent as its dispatcher. */
async function loadNodeFetchH2 () {
  const { Agent } = await import('undici')
  const dispatcher = new Agent(h2AgentOptions())
  const client = fetchClient('node-fetch-h2', (input, init) => globalThis.fetch(input, { ...init, dispatcher }))
  client.close = () => dispatcher.close()
  return client
}

// By default a dedicated pool as large as the highest concurrency any
// workload uses, so undici is never queueing on connections the fetch
// clients may open.
async function loadUndiciRequest (name = 'undici-request', agentOptions = { connections: MAX_CONNECTIONS }) {
  const { Agent, request } = await import('undici')
  const dispatcher = new Agent(agentOptions)
  async function get (url) {
    const res = await request(url, { dispatcher })
    if (res.statusCode !== 200) {
      await res.body.dump()
      throw new Error(`${url}: HTTP ${res.statusCode}`)
    }
    return res.body
  }
  return {
    name,
    dispatcher,
    request,
    async readAll (url) {
      let bytes = 0
      for await (const chunk of await get(url)) bytes += chunk.length
      return bytes
    },
    async text (url) {
      return (await get(url)).text()
    },
    async uploadStream (url, total, chunk) {
      async function * body () {
        for (let sent = 0; sent < total; sent += chunk.length) {
          yield sent + chunk.length <= total ? chunk : chunk.subarray(0, total - sent)
        }
      }
      const res = await request(url, { method: 'POST', body: body(), dispatcher })
      if (res.statusCode !== 200) throw new Error(`upload: HTTP ${res.statusCode}`)
      return JSON.parse(await res.body.text()).bytes
    },
    async close () {
      await dispatcher.close()
    },
  }
}

/**
 * The upload reference: a blocking socket with no HTTP library or JS
 * (crates/bench-server/src/bin/raw_upload.rs). It times itself, so the
 * process start is not counted against it.
 */
function rawSocket () {
  return {
    name: 'raw-socket',
    async uploadStream (url, total, chunk) {
      const { stdout } = await promisify(execFile)(RAW_UPLOAD_BIN, [url, String(total), String(chunk.length)])
      return JSON.parse(stdout)
    },
    async close () {},
  }
}

/** Counts `expected` events from an iterator of events, then stops it. */
async function countFrom (iterable, expected, stop) {
  let n = 0
  for await (const ev of iterable) {
    if (ev.data.length === 0) throw new Error('empty event')
    if (++n === expected) break
  }
  stop?.()
  return n
}

/** An EventSource-style client (the npm package, or ferrofetch's own). */
function eventSourceClient (name, EventSource) {
  return {
    name,
    countEvents (url, expected) {
      return new Promise((resolve, reject) => {
        const es = new EventSource(url)
        let n = 0
        es.addEventListener('tick', () => {
          if (++n === expected) {
            es.close()
            resolve(n)
          }
        })
        es.onerror = (e) => {
          es.close()
          reject(new Error(`EventSource error after ${n} events: ${e.message ?? e.type}`))
        }
      })
    },
    async openIdle (url, count) {
      const sources = await Promise.all(Array.from({ length: count }, () => new Promise((resolve, reject) => {
        const es = new EventSource(url)
        es.onopen = () => resolve(es)
        es.onerror = (e) => reject(new Error(`EventSource error: ${e.message ?? e.type}`))
      })))
      return { close: () => sources.forEach((es) => es.close()) }
    },
    openFanIn (url, count, onEvent) {
      return openEach(count, () => new Promise((resolve, reject) => {
        const es = new EventSource(url)
        es.addEventListener('tick', onEvent)
        es.onopen = () => resolve({ close: () => es.close() })
        es.onerror = (e) => {
          es.close()
          reject(new Error(`EventSource error: ${e.message ?? e.type}`))
        }
      }))
    },
    async close () {},
  }
}

/**
 * Opens `count` streams with `open()`, at most FAN_IN_OPENING at a time
 * (so the server's accept queue never overflows), and returns one handle
 * that closes them all.
 */
async function openEach (count, open) {
  const handles = []
  let started = 0
  const loop = async () => {
    while (started < count) {
      started++
      handles.push(await open())
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(FAN_IN_OPENING, count) }, loop))
  } catch (err) {
    handles.forEach((h) => h.close())
    throw err
  }
  return { close: () => handles.forEach((h) => h.close()) }
}

const FAN_IN_OPENING = 256

/** Reads `iterator` (of events) until it ends or fails, calling onEvent for each. */
function consume (iterator, onEvent) {
  (async () => {
    for (;;) {
      const { done, value } = await iterator.next()
      if (done) return
      onEvent(value)
    }
  })().catch(() => {})
}

async function loadFerrofetchSse () {
  const ff = require('../index.js')
  return {
    name: 'ferrofetch',
    async countEvents (url, expected) {
      const stream = ff.events(url)
      return countFrom(stream, expected, () => stream.close())
    },
    async openIdle (url, count) {
      // Each stream is open once its response head has arrived; the events
      // iterator then waits on the native body without any JS buffering.
      const streams = await Promise.all(Array.from({ length: count }, async () => {
        const iterator = (await ff.fetch(url)).events()
        iterator.next().catch(() => {})
        return iterator
      }))
      return { close: () => streams.forEach((it) => it.return()) }
    },
    openFanIn (url, count, onEvent) {
      return openEach(count, async () => {
        const iterator = (await ff.fetch(url)).events()
        consume(iterator, onEvent)
        return { close: () => iterator.return() }
      })
    },
    async close () {},
  }
}

/**
 * ferrofetch with no-op onDownloadProgress / onUploadProgress callbacks:
 * against plain 'ferrofetch', what progress reports cost. The calls are
 * counted so that a callback that never runs cannot pass for a free one.
 */
function loadFerrofetchProgress () {
  const ff = require('../index.js')
  let calls = 0
  const count = () => { calls++ }
  const client = fetchClient('ferrofetch-progress', (input, init) =>
    ff.fetch(input, { ...init, onDownloadProgress: count, onUploadProgress: count }))
  const close = client.close
  client.close = async () => {
    if (calls === 0) throw new Error('no progress call was made')
    return close()
  }
  return client
}

/** ferrofetch's idle event streams, each with an eventTimeout (its Rust-side timer). */
function loadFerrofetchSseTimeout () {
  const ff = require('../index.js')
  return {
    name: 'ferrofetch-sse-timeout',
    async openIdle (url, count) {
      const streams = await Promise.all(Array.from({ length: count }, async () => {
        // Longer than the measurement: the timers are armed, none fires.
        const iterator = (await ff.fetch(url)).events({ eventTimeout: 600_000 })
        iterator.next().catch(() => {})
        return iterator
      }))
      return { close: () => streams.forEach((it) => it.return()) }
    },
    async close () {},
  }
}

async function loadEventsourceParserStream () {
  const { EventSourceParserStream } = await import('eventsource-parser/stream')
  return {
    name: 'esp-node-fetch',
    async countEvents (url, expected) {
      const res = await fetch(url)
      const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream())
      const reader = events.getReader()
      let n = 0
      while (n < expected) {
        const { done, value } = await reader.read()
        if (done) break
        if (value.data.length === 0) throw new Error('empty event')
        n++
      }
      await reader.cancel()
      return n
    },
    async openIdle (url, count) {
      const readers = await Promise.all(Array.from({ length: count }, async () => {
        const res = await fetch(url)
        const reader = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader()
        reader.read().catch(() => {})
        return reader
      }))
      return { close: () => readers.forEach((r) => r.cancel().catch(() => {})) }
    },
    openFanIn (url, count, onEvent) {
      return openEach(count, async () => {
        const res = await fetch(url)
        const reader = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader()
        consume({ next: () => reader.read() }, onEvent)
        return { close: () => reader.cancel().catch(() => {}) }
      })
    },
    async close () {},
  }
}

/** undici `request()` with eventsource-parser's createParser on the raw chunks. */
async function loadEspUndici () {
  const { Agent, request } = await import('undici')
  const { createParser } = await import('eventsource-parser')
  const dispatcher = new Agent()
  return {
    name: 'esp-undici',
    openFanIn (url, count, onEvent) {
      return openEach(count, async () => {
        const res = await request(url, { dispatcher })
        if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode}`)
        const parser = createParser({ onEvent })
        const decoder = new TextDecoder()
        res.body.on('data', (bytes) => parser.feed(decoder.decode(bytes, { stream: true })))
        res.body.on('error', () => {})
        return { close: () => res.body.destroy() }
      })
    },
    async close () {
      await dispatcher.destroy()
    },
  }
}

export async function loadClient (name) {
  switch (name) {
    case 'ferrofetch':
      return loadFerrofetch()
    case 'node-fetch':
      return fetchClient('node-fetch', globalThis.fetch)
    case 'undici-request':
      return loadUndiciRequest()
    case 'raw-socket':
      return rawSocket()
    case 'ferrofetch-h2':
      return loadFerrofetchH2()
    case 'node-fetch-h2':
      return loadNodeFetchH2()
    case 'undici-h2':
      return loadUndiciRequest('undici-h2', h2AgentOptions())
    case 'ferrofetch-sse':
      return loadFerrofetchSse()
    case 'ferrofetch-progress':
      return loadFerrofetchProgress()
    case 'ferrofetch-sse-timeout':
      return loadFerrofetchSseTimeout()
    case 'esp-node-fetch':
      return loadEventsourceParserStream()
    case 'eventsource-pkg':
      return eventSourceClient('eventsource-pkg', (await import('eventsource')).EventSource)
    case 'esp-undici':
      return loadEspUndici()
    case 'ferrofetch-eventsource':
      return eventSourceClient('ferrofetch-eventsource', require('../index.js').EventSource)
    default:
      throw new Error(`unknown client ${name}`)
  }
}
