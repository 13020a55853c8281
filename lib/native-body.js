'use strict'
// Reading a native response body: synchronous calls drain what Rust has
// buffered, and a readable wait (lib/ready.js) is awaited only when nothing
// is (DESIGN §3), either by `text()` and friends directly or through the
// ReadableStream made when `.body` is touched.

const ready = require('./ready')

/** Largest chunk handed to a default reader; bigger buffers stay in Rust. */
const MAX_STREAM_CHUNK = 256 * 1024
const EMPTY = new Uint8Array(0)

/** readInto results (see src/exchange.rs). */
const NOTHING_YET = 0
const END = -1
const FAILED = -2

/** BodyState.settle()'s `how` when the consumer cancelled the body. */
const CANCELLED = 'cancelled'

/**
 * One synchronous read from the native queue: a Uint8Array, or one of
 * NOTHING_YET, END, FAILED.
 */
function readNativeChunk (native, max) {
  const available = native.available()
  if (available === 0) return native.readInto(EMPTY)
  // Not zero-filled: readInto overwrites all of it (the queue holds at
  // least `available` bytes and only this thread drains it). A short read
  // would be a bug; the tail is then cleared rather than handed out.
  // Users get a plain Uint8Array, as from any Web stream.
  const buf = new Uint8Array(Buffer.allocUnsafeSlow(Math.min(available, max)).buffer)
  const n = native.readInto(buf)
  if (n <= 0) return n
  if (n === buf.length) return buf
  buf.fill(0, n)
  return buf.subarray(0, n)
}

/**
 * The ReadableStream over `body.native` (a BodyState). It is pulled only
 * when someone reads, so the Rust queue stays the only buffer. But a pull
 * that leaves that queue empty, with no read pending at the end of that
 * event-loop turn, arms one native wait in the background: when the body
 * then fails, the stream errors at once (so `reader.closed` rejects, as with
 * Node's fetch) instead of on the next read. The next pull awaits that same
 * wait; a reader that keeps reading never needs it.
 */
function nativeStream (body) {
  const native = body.native
  let controller = null
  let pulling = false
  let finished = false // closed, errored or cancelled: nothing more to do
  let waiting = null // the armed wait (lib/ready.js), weak until a pull awaits it
  let idleCheckQueued = false // watchIfIdle is queued with setImmediate

  const done = () => finished || body.failure !== null

  function finish () {
    finished = true
    body.settle()
  }

  /** The armed wait settled with no pull running: error the stream if the body failed. */
  function onReadable () {
    waiting = null
    if (pulling || done()) return
    // Bytes stay in Rust for the next read, and so does a clean end: Node's
    // fetch, too, closes the stream only when it is read, but errors it
    // as soon as the connection fails.
    if (native.available() > 0) return
    const status = native.readInto(EMPTY)
    if (status === FAILED) {
      finish()
      controller.error(body.nativeFailure())
    } else if (status === NOTHING_YET) {
      arm()
    }
  }

  /**
   * Arms the wait if none is: weak, so that a body nobody reads any more
   * does not keep the process alive; a pull that awaits it holds it.
   */
  function arm () {
    if (waiting === null) {
      waiting = ready.readable(native, false)
      waiting.promise.then(onReadable)
    }
    return waiting
  }

  /**
   * Answers a pull from what Rust has buffered, synchronously: true when it
   * enqueued a chunk (or filled a BYOB view) or closed the stream, false
   * when nothing is buffered yet. Throws the body's failure.
   */
  function answer (c) {
    const byob = c.byobRequest
    let result
    if (byob !== null) {
      // A BYOB reader: fill the caller's own buffer, no allocation.
      result = native.readInto(byob.view)
      if (result > 0) {
        byob.respond(result)
        return answered()
      }
    } else {
      result = readNativeChunk(native, MAX_STREAM_CHUNK)
      if (typeof result === 'object') {
        c.enqueue(result)
        return answered()
      }
    }
    if (result === END) {
      finish()
      c.close()
      if (byob !== null) byob.respond(0)
      return true
    }
    if (result === FAILED) {
      finish()
      throw body.nativeFailure()
    }
    return false
  }

  /**
   * A chunk went out. If that emptied the Rust queue, look again once this
   * turn of the event loop is over: a reader that is still reading has a
   * pull waiting by then (which waits itself), one that stopped gets the
   * watch. Arming the watch right away would cost a native wake-up per
   * chunk whenever the reader is slower than the network.
   */
  function answered () {
    if (!idleCheckQueued && native.available() === 0) {
      idleCheckQueued = true
      setImmediate(watchIfIdle)
    }
    return true
  }

  function watchIfIdle () {
    idleCheckQueued = false
    if (!pulling && !done() && native.available() === 0) arm()
  }

  /** The slow path of a pull: wait until Rust has something, then answer. */
  async function answerWhenReadable (c) {
    pulling = true
    try {
      // Each turn waits for the queue to change: bounded by the body.
      do {
        const wait = arm()
        wait.hold()
        await wait.promise
      } while (!answer(c))
    } finally {
      pulling = false
    }
  }

  return new ReadableStream({
    type: 'bytes',
    start (c) {
      controller = c
      body.controller = c
      if (body.failure !== null) c.error(body.failure)
    },
    // highWaterMark 0: nothing is pulled until someone reads, so the queue
    // in Rust is the only buffer and "disturbed" means really read. A pull
    // answered from the buffer returns no promise of ours (the hot path).
    pull (c) {
      if (!answer(c)) return answerWhenReadable(c)
    },
    cancel () {
      finished = true
      native.cancel()
      body.settle(CANCELLED)
    }
  }, { highWaterMark: 0 })
}

/** Reads the whole native body of a BodyState without making a stream. */
async function drainNative (body) {
  const native = body.native
  const chunks = []
  let total = 0
  // Each turn reads or waits for the queue to change: bounded by the body.
  for (;;) {
    const result = readNativeChunk(native, 0x7fffffff)
    if (typeof result === 'object') {
      chunks.push(result)
      total += result.length
    } else if (result === NOTHING_YET) {
      await ready.readable(native).promise
    } else if (result === END) {
      body.settle()
      return concat(chunks, total)
    } else {
      body.settle()
      throw body.nativeFailure()
    }
  }
}

/** The chunks joined into one Uint8Array (the chunk itself when there is one). */
function concat (chunks, total) {
  if (chunks.length === 1) return chunks[0]
  const out = new Uint8Array(total)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

/**
 * A native exchange read through a filter on `readInto` (download progress,
 * diagnostics' per-chunk channel): every other call goes to the exchange, so
 * a filter overrides `readInto` alone and stacks on another filter.
 */
class NativeReaderFilter {
  constructor (native) {
    this.native = native
  }

  readInto (view) { return this.native.readInto(view) }
  available () { return this.native.available() }
  watchReadable (queue, token) { return this.native.watchReadable(queue, token) }
  bodyError () { return this.native.bodyError() }
  abort () { this.native.abort() }
  cancel () { this.native.cancel() }
  startEvents (...args) { return this.native.startEvents(...args) }
  readEvents (queue, token) { return this.native.readEvents(queue, token) }
}

module.exports = { NativeReaderFilter, nativeStream, drainNative, concat, CANCELLED }
