'use strict'
// Bodies: extracting a body from what the user gives (Fetch §5.2), the
// ReadableStream over a native response body, and the Body mixin's readers
// (text, json, arrayBuffer, bytes, blob, formData).
//
// A native body is read with synchronous calls that drain what Rust has
// buffered and awaits `readable()` only when nothing is (DESIGN §3). The
// ReadableStream is created only when `.body` is touched: `text()` and
// friends read the native queue directly.

const { isDisturbed } = require('node:stream')
const { fromNative } = require('./errors')

/** Largest chunk handed to a default reader; bigger buffers stay in Rust. */
const MAX_STREAM_CHUNK = 256 * 1024
const EMPTY = new Uint8Array(0)
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** readInto results (see src/exchange.rs). */
const NOTHING_YET = 0
const END = -1
const FAILED = -2

/**
 * The state behind a Request's or Response's body. Exactly one of
 * `native`, `source` or `stream` is where the bytes come from.
 */
class BodyState {
  constructor ({ native = null, source = null, stream = null, length = null }) {
    this.native = native // NativeExchange of a response in flight
    this.source = source // Uint8Array | Blob, known up front (replayable)
    this.stream = stream // ReadableStream, given by the user or made lazily
    this.length = length
    this.used = false // consumed without a stream ever being made
    this.failure = null // set when aborted before anyone read
    this.controller = null // of the stream we made over `native`
    this.onSettled = null // cleanup (abort listener) once the body ends
  }

  /** Runs the cleanup once the body has ended, failed or been cancelled. */
  settle () {
    const fn = this.onSettled
    this.onSettled = null
    if (fn !== null) fn()
  }

  /** Fails the body with `reason` (an abort), wherever it is. */
  fail (reason) {
    if (this.native !== null) this.native.abort()
    if (this.controller !== null) {
      try { this.controller.error(reason) } catch {}
    } else {
      this.failure = reason
    }
    this.settle()
  }

  /** The failure after a native read returned FAILED. */
  nativeFailure () {
    if (this.failure !== null) return this.failure
    const info = this.native.bodyError()
    return info ? fromNative(info, 'body') : new TypeError('terminated')
  }
}

/** Fetch's "unusable": disturbed or locked. */
function isUnusable (body) {
  if (body === null) return false
  if (body.used) return true
  const s = body.stream
  return s !== null && (s.locked || isDisturbed(s))
}

/** Fetch's `bodyUsed`: the body exists and was read or cancelled. */
function bodyUsed (body) {
  return body !== null && (body.used || (body.stream !== null && isDisturbed(body.stream)))
}

/** The body's ReadableStream, made on first access. */
function streamOf (body) {
  if (body.stream === null) {
    if (body.native !== null) body.stream = nativeStream(body)
    else if (body.source instanceof Blob) body.stream = body.source.stream()
    else body.stream = bytesStream(body.source ?? EMPTY)
  }
  return body.stream
}

function bytesStream (bytes) {
  return new ReadableStream({
    type: 'bytes',
    start (controller) {
      // Copy: a reader may transfer the chunk's buffer, and the source must
      // stay intact for replays and clones.
      if (bytes.length > 0) controller.enqueue(bytes.slice())
      controller.close()
    }
  })
}

/**
 * One synchronous read from the native queue: a Uint8Array, or one of
 * NOTHING_YET, END, FAILED.
 */
function readNativeChunk (native, max) {
  const available = native.available()
  if (available === 0) return native.readInto(EMPTY)
  const buf = new Uint8Array(Math.min(available, max))
  const n = native.readInto(buf)
  if (n <= 0) return n
  return n === buf.length ? buf : buf.subarray(0, n)
}

function nativeStream (body) {
  const native = body.native
  return new ReadableStream({
    type: 'bytes',
    start (controller) {
      body.controller = controller
      if (body.failure !== null) controller.error(body.failure)
    },
    // highWaterMark 0: nothing is pulled until someone reads, so the queue
    // in Rust is the only buffer and "disturbed" means really read.
    pull: (controller) => pullNative(body, native, controller),
    cancel () {
      native.cancel()
      body.settle()
    }
  }, { highWaterMark: 0 })
}

async function pullNative (body, native, controller) {
  for (;;) {
    const byob = controller.byobRequest
    let result
    if (byob !== null) {
      // A BYOB reader: fill the caller's own buffer, no allocation.
      result = native.readInto(byob.view)
      if (result > 0) return byob.respond(result)
    } else {
      result = readNativeChunk(native, MAX_STREAM_CHUNK)
      if (typeof result === 'object') return controller.enqueue(result)
    }
    if (result === END) {
      body.settle()
      controller.close()
      if (byob !== null) byob.respond(0)
      return
    }
    if (result === FAILED) {
      body.settle()
      throw body.nativeFailure()
    }
    await native.readable()
  }
}

/** Reads the whole native body without making a stream. */
async function drainNative (body) {
  const native = body.native
  const chunks = []
  let total = 0
  for (;;) {
    const result = readNativeChunk(native, 0x7fffffff)
    if (typeof result === 'object') {
      chunks.push(result)
      total += result.length
    } else if (result === NOTHING_YET) {
      await native.readable()
    } else if (result === END) {
      body.settle()
      return concat(chunks, total)
    } else {
      body.settle()
      throw body.nativeFailure()
    }
  }
}

async function drainStream (stream) {
  const reader = stream.getReader()
  const chunks = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return concat(chunks, total)
    if (!(value instanceof Uint8Array)) {
      throw new TypeError('body stream chunks must be Uint8Array')
    }
    chunks.push(value)
    total += value.length
  }
}

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
 * Fetch §6.3 "consume body": all bytes of the body, once.
 * @returns {Promise<Uint8Array>}
 */
async function consumeBytes (body) {
  if (body === null) return new Uint8Array(0)
  if (isUnusable(body)) throw new TypeError('Body is unusable: Body has already been read')
  if (body.failure !== null) throw body.failure
  if (body.stream === null) {
    body.used = true
    if (body.native !== null) return drainNative(body)
    if (body.source instanceof Blob) return new Uint8Array(await body.source.arrayBuffer())
    return body.source === null ? new Uint8Array(0) : body.source.slice()
  }
  return drainStream(body.stream)
}

/**
 * Fetch §5.2 "extract a body": what a body init becomes, and the
 * Content-Type it implies.
 * @returns {{ body: BodyState, type: string|null }}
 */
function extractBody (object) {
  if (typeof object === 'string') {
    return bytesBody(encoder.encode(object), 'text/plain;charset=UTF-8')
  }
  if (object instanceof ArrayBuffer || object instanceof SharedArrayBuffer) {
    return bytesBody(new Uint8Array(object.slice(0)), null)
  }
  if (ArrayBuffer.isView(object)) {
    // "a copy of the bytes held by object"
    const view = new Uint8Array(object.buffer, object.byteOffset, object.byteLength)
    return bytesBody(view.slice(), null)
  }
  if (object instanceof Blob) {
    const body = new BodyState({ source: object, length: object.size })
    return { body, type: object.type === '' ? null : object.type }
  }
  if (object instanceof URLSearchParams) {
    return bytesBody(encoder.encode(object.toString()), 'application/x-www-form-urlencoded;charset=UTF-8')
  }
  if (object instanceof FormData) return formDataBody(object)
  if (object instanceof ReadableStream) {
    if (object.locked || isDisturbed(object)) {
      throw new TypeError('Response body object should not be disturbed or locked')
    }
    return { body: new BodyState({ stream: object }), type: null }
  }
  if (typeof object === 'symbol') throw new TypeError('body cannot be a Symbol')
  // WebIDL: anything else converts to a USVString.
  return bytesBody(encoder.encode(String(object)), 'text/plain;charset=UTF-8')
}

function bytesBody (bytes, type) {
  return { body: new BodyState({ source: bytes, length: bytes.length }), type }
}

function formDataBody (formData) {
  // Node's own Request serializes multipart/form-data (boundary and all);
  // it streams file contents, and so does the body we take from it.
  const carrier = new globalThis.Request('http://localhost/', { method: 'POST', body: formData })
  return {
    body: new BodyState({ stream: carrier.body }),
    type: carrier.headers.get('content-type')
  }
}

/**
 * Copies a body for Request/Response clone(): tees a stream, shares an
 * immutable source.
 */
function cloneBody (body) {
  if (body === null) return null
  if (body.stream === null && body.native === null) {
    return new BodyState({ source: body.source, length: body.length })
  }
  const [a, b] = streamOf(body).tee()
  body.stream = a
  return new BodyState({ stream: b, length: body.length })
}

/** Installs text/json/arrayBuffer/bytes/blob/formData on a class. */
function mixinBody (Class, stateOf) {
  const methods = {
    async arrayBuffer () {
      const bytes = await consumeBytes(stateOf(this).body)
      return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? bytes.buffer
        : bytes.slice().buffer
    },
    async bytes () {
      return consumeBytes(stateOf(this).body)
    },
    async text () {
      return decoder.decode(await consumeBytes(stateOf(this).body))
    },
    async json () {
      return JSON.parse(await this.text())
    },
    async blob () {
      const state = stateOf(this)
      const bytes = await consumeBytes(state.body)
      return new Blob([bytes], { type: state.headers.get('content-type') ?? '' })
    },
    async formData () {
      // Parsing multipart and urlencoded bodies is delegated to Node's own
      // Response, which implements Fetch's "package data" for FormData.
      const state = stateOf(this)
      const bytes = await consumeBytes(state.body)
      const contentType = state.headers.get('content-type')
      const carrier = new globalThis.Response(bytes, contentType === null ? {} : { headers: { 'content-type': contentType } })
      return carrier.formData()
    }
  }
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(Class.prototype, name, {
      value: fn, writable: true, configurable: true, enumerable: true
    })
  }
}

module.exports = {
  BodyState,
  isUnusable,
  bodyUsed,
  streamOf,
  consumeBytes,
  extractBody,
  cloneBody,
  mixinBody,
  drainStream
}
