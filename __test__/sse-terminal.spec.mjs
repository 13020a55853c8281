// A native event-stream body says in its last batch that it ended or
// failed: the iterator gets the end (or the error) with the last events,
// without probing the body with another read.
import test from 'ava'
import { createRequire } from 'node:module'
import { fetch } from '../index.mjs'
import { httpServer } from './helpers/servers.mjs'

const require = createRequire(import.meta.url)
const { binding } = require('../lib/native.js')

const SSE = { 'content-type': 'text/event-stream' }

/** Counts the calls of NativeExchange's body reads while `run` runs. */
async function countingReads (t, run) {
  const proto = binding.NativeExchange.prototype
  const { readInto, readEvents } = proto
  const counts = { readInto: 0, readEvents: 0 }
  proto.readInto = function (view) { counts.readInto++; return readInto.call(this, view) }
  proto.readEvents = function (...args) { counts.readEvents++; return readEvents.apply(this, args) }
  t.teardown(() => { proto.readInto = readInto; proto.readEvents = readEvents })
  try {
    return { result: await run(), counts }
  } finally {
    proto.readInto = readInto
    proto.readEvents = readEvents
  }
}

// Tests patch a shared prototype: one at a time.
test.serial('a body that ends delivers its end with the last events, without a probing read', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, SSE)
    res.end('data: a\n\ndata: b\n\n')
  })
  const response = await fetch(url)
  const { result, counts } = await countingReads(t, async () => {
    const out = []
    for await (const event of response.events()) out.push(event.data)
    return out
  })
  t.deepEqual(result, ['a', 'b'])
  t.is(counts.readInto, 0)
  t.true(counts.readEvents >= 1)
})

test.serial('a body that fails delivers the events before the failure, then the error, without a probing read', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    // A chunked body cut off: the client sees the connection end mid-body.
    res.writeHead(200, SSE)
    res.write('data: a\n\ndata: b\n\n')
    setTimeout(() => res.socket.destroy(), 50)
  })
  const response = await fetch(url)
  const { result, counts } = await countingReads(t, async () => {
    const out = []
    const error = await t.throwsAsync(async () => {
      for await (const event of response.events()) out.push(event.data)
    })
    return { out, error }
  })
  t.deepEqual(result.out, ['a', 'b'])
  t.true(result.error instanceof TypeError)
  t.is(counts.readInto, 0)
})
