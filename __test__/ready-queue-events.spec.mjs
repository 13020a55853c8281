// Event streams through the ready-queue's drain (src/ready_queue.rs,
// lib/ready.js): a stream whose consumer awaits its next event gets its
// batch handed over by the drain, with the next wait re-armed; a stream whose
// consumer is not reading is left alone, its batches in its own bounded queue.
import test from 'ava'
import { createRequire } from 'node:module'

import { fetch, EventSource } from '../index.mjs'
import { httpServer, sleep } from './helpers/servers.mjs'

const require = createRequire(import.meta.url)
const { binding } = require('../lib/native.js')

const SSE = { 'content-type': 'text/event-stream' }
const STREAMS = 40
const ROUNDS = 5

/** A server whose streams each get `data: <path> <round>` in every round, all written in one tick. */
async function roundServer (t) {
  const open = []
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, SSE)
    res.flushHeaders()
    open.push({ res, path: req.url })
  })
  return {
    url,
    open,
    sendRound (round) {
      for (const { res, path } of open) res.write(`data: ${path} ${round}\n\n`)
    },
    endAll () {
      for (const { res } of open) res.end()
    }
  }
}

/** Waits (bounded: 500 turns of 10 ms) until `ready()` is true. */
async function until (ready) {
  for (let i = 0; i < 500 && !ready(); i++) await sleep(10)
  if (!ready()) throw new Error('condition not reached')
}

// Patches NativeExchange's prototype: serial, so that it runs alone.
test.serial('many event streams completing together each get their own events in order, with no read per event', async (t) => {
  const server = await roundServer(t)
  const proto = binding.NativeExchange.prototype
  const { readEvents } = proto
  let reads = 0
  proto.readEvents = function (...args) { reads++; return readEvents.apply(this, args) }
  t.teardown(() => { proto.readEvents = readEvents })
  const responses = await Promise.all(Array.from({ length: STREAMS }, (_, i) => fetch(`${server.url}/s${i}`)))
  await until(() => server.open.length === STREAMS)
  const got = responses.map(() => [])
  const done = responses.map(async (response, i) => {
    for await (const event of response.events()) got[i].push(event.data)
  })
  // Each round is sent once every stream has the one before: the
  // consumers wait before each, so every batch comes through the drain.
  for (let round = 0; round < ROUNDS; round++) {
    server.sendRound(round)
    await until(() => got.every((events) => events.length === round + 1))
  }
  server.endAll()
  await Promise.all(done)
  got.forEach((events, i) => {
    t.deepEqual(events, Array.from({ length: ROUNDS }, (_, round) => `/s${i} ${round}`))
  })
  // Per stream: the first read, maybe one more that armed the wait; then
  // the drain hands over each batch. A read per event would be 5 or more.
  t.true(reads <= 2 * STREAMS, `${reads} reads for ${STREAMS * ROUNDS} events`)
})

test('many EventSources completing together each dispatch their own events in order', async (t) => {
  const server = await roundServer(t)
  const got = Array.from({ length: STREAMS }, () => [])
  const sources = got.map((events, i) => {
    const source = new EventSource(`${server.url}/s${i}`)
    source.onmessage = (event) => events.push(event.data)
    return source
  })
  t.teardown(() => { for (const source of sources) source.close() })
  await until(() => server.open.length === STREAMS)
  for (let round = 0; round < ROUNDS; round++) {
    server.sendRound(round)
    await until(() => got.every((events) => events.length === round + 1))
  }
  got.forEach((events, i) => {
    t.deepEqual(events, Array.from({ length: ROUNDS }, (_, round) => `/s${i} ${round}`))
  })
})

/**
 * Writes events to `res` until the client stops taking them (a write that
 * does not drain within 300 ms) or `limit` bytes went out. Resolves with
 * the bytes written.
 */
const FLOOD_EVENT = `data: ${'x'.repeat(1000)}\n\n`

async function floodUntilStalled (res, limit) {
  const event = FLOOD_EVENT
  let written = 0
  // Bounded by `limit`.
  while (written < limit) {
    written += event.length
    if (!res.write(event)) {
      const drained = await Promise.race([
        new Promise((resolve) => res.once('drain', () => resolve(true))),
        sleep(300).then(() => false)
      ])
      if (!drained) break
    }
  }
  return written
}

test('a stream whose consumer stops reading is not drained into JS: the server is held back, and every event comes later in order', async (t) => {
  const LIMIT = 64 * 1024 * 1024
  let res = null
  const { url } = await httpServer(t, (req, response) => {
    res = response
    res.writeHead(200, SSE)
    res.flushHeaders()
  })
  const iterator = (await fetch(url)).events()
  // The consumer awaits the first event before it is sent: it comes
  // through the drain, which re-arms the stream's wait.
  const first = iterator.next()
  await until(() => res !== null)
  res.write('data: first\n\n')
  t.is((await first).value.data, 'first')
  // Now nobody calls next(): the re-armed wait must not pull batches in.
  const written = await floodUntilStalled(res, LIMIT)
  t.true(written < LIMIT, `the client took all ${written} bytes while nobody read`)
  res.end('data: last\n\n')
  let count = 0
  let last = null
  // Bounded: the server ended the stream.
  for await (const event of iterator) {
    count++
    last = event.data
  }
  t.is(count, written / FLOOD_EVENT.length + 1)
  t.is(last, 'last')
})
