'use strict'
// Bodies: extracting a body from what the user gives (Fetch §5.2), the
// ReadableStream over a native response body, and the Body mixin's readers
// (text, json, arrayBuffer, bytes, blob, formData).
//
// A native body (lib/native-body.js) gets its ReadableStream only when
// `.body` is touched: `text()` and friends read the native queue directly.

const { isDisturbed, Readable } = require('node:stream')
const { types } = require('node:util')
const { fromNative } = require('./errors')
// FormData's encoder and parser load when a FormData is first sent or read.
const encodeFormData = (formData) => require('./multipart').encodeFormData(formData)
const parseFormData = (bytes, mime) => require('./form-data-parse').parseFormData(bytes, mime)
const { extractMimeType } = require('./mime')
const { nativeStream, drainNative, concat, CANCELLED } = require('./native-body')

const EMPTY = new Uint8Array(0)
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * The state behind a Request's or Response's body. The bytes come from
 * `stream` when it is set, else from `native` or `source`. A `source` is
 * Fetch's body source: known up front, so replayable and exempt from
 * `duplex`. A FormData's source is its multipart encoding as a Blob.
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

  /**
   * Runs the cleanup once the body has ended, failed or been cancelled;
   * `how` tells the last two apart: CANCELLED, or the failure (when known).
   */
  settle (how) {
    const fn = this.onSettled
    this.onSettled = null
    if (fn !== null) fn(how)
  }

  /**
   * Fails the body with `reason` (an abort), wherever it is. `failure` is
   * set also when a stream exists: an unread body then refuses its readers
   * at once with the reason (see refusal()).
   */
  fail (reason) {
    this.failure = reason
    if (this.native !== null) this.native.abort()
    if (this.controller !== null) {
      try { this.controller.error(reason) } catch {}
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
    // Read (or moved into another Request) without a stream: what undici
    // shows then, a stream that is disturbed and locked, not the bytes again.
    if (body.used) body.stream = spentStream()
    else if (body.native !== null) body.stream = nativeStream(body)
    else if (body.source instanceof Blob) body.stream = body.source.stream()
    else body.stream = bytesStream(body.source ?? EMPTY)
  }
  return body.stream
}

function spentStream () {
  const stream = new ReadableStream({ type: 'bytes', start: (c) => c.close() })
  stream.getReader().read()
  return stream
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

async function drainStream (stream) {
  const reader = stream.getReader()
  const chunks = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    // Always a fresh copy: the chunks belong to whoever made the stream (and
    // a tee hands both branches the same ones), the result to the caller.
    if (done) return chunks.length === 1 ? chunks[0].slice() : concat(chunks, total)
    if (!(value instanceof Uint8Array)) {
      throw new TypeError('body stream chunks must be Uint8Array')
    }
    chunks.push(value)
    total += value.length
  }
}

/**
 * Why Fetch §6.3 "consume body" refuses the body before reading anything,
 * or null. Step 1: an unusable body is a TypeError. An aborted fetch has
 * errored the body's stream with the signal's reason, and reading an
 * errored stream fails at once (Streams "ReadableStreamDefaultReaderRead"
 * runs its error steps synchronously).
 */
function refusal (body) {
  if (body === null) return null
  if (isUnusable(body)) return new TypeError('Body is unusable: Body has already been read')
  return body.failure
}

/**
 * Fetch §6.3 "consume body": all bytes of the body, once. A refused body
 * gets an already-rejected promise, not one that rejects after a few
 * microtask hops (callers must not wrap it in another `.then`).
 * @returns {Promise<Uint8Array>}
 */
function consumeBytes (body) {
  const refused = refusal(body)
  if (refused !== null) return Promise.reject(refused)
  if (body === null) return Promise.resolve(new Uint8Array(0))
  if (body.stream === null) {
    body.used = true
    if (body.native !== null) return drainNative(body)
    if (body.source instanceof Blob) return body.source.arrayBuffer().then((buffer) => new Uint8Array(buffer))
    return Promise.resolve(body.source === null ? new Uint8Array(0) : body.source.slice())
  }
  return drainStream(body.stream)
}

/**
 * The text of a native body that has already ended, decoded by the binding
 * in one call (NativeExchange.takeText: the same UTF-8 decode), and the
 * body consumed. Null when it cannot be had that way (no native body, a
 * stream made over it, a reading filter in between such as download
 * progress, or not all of it in yet): then it is consumed as usual.
 */
function nativeText (body) {
  if (body === null || body.stream !== null || body.native === null) return null
  const native = body.native
  if (typeof native.takeText !== 'function') return null
  const text = native.takeText()
  if (text === null) return null
  body.used = true
  body.settle()
  return text
}

/**
 * Fetch §5.2 "extract a body": what a body init becomes, and the
 * Content-Type it implies. Types are tested in the order of WebIDL's
 * BodyInit union; anything else becomes a USVString.
 * @param {boolean} [keepalive] a keepalive request cannot take a stream
 * @returns {{ body: BodyState, type: string|null }}
 */
function extractBody (object, keepalive = false) {
  if (typeof object === 'string') {
    return bytesBody(encoder.encode(object), 'text/plain;charset=UTF-8')
  }
  // BufferSource excludes shared memory: a SharedArrayBuffer is not one and
  // falls through to its string form, a view over one is an error (WebIDL,
  // and what undici does).
  if (types.isArrayBuffer(object)) {
    return bytesBody(new Uint8Array(object.slice(0)), null)
  }
  if (ArrayBuffer.isView(object)) {
    if (types.isSharedArrayBuffer(object.buffer)) {
      throw new TypeError('A view on a SharedArrayBuffer cannot be a body')
    }
    // "a copy of the bytes held by object": only the view's own bytes.
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
    if (keepalive) throw new TypeError('A keepalive request cannot have a stream body')
    if (object.locked || isDisturbed(object)) {
      throw new TypeError('Response body object should not be disturbed or locked')
    }
    return { body: new BodyState({ stream: object }), type: null }
  }
  if (typeof object === 'symbol') throw new TypeError('body cannot be a Symbol')
  // Node's fetch also takes an async iterable (a Node Readable, a generator)
  // as a stream body; so do we (DESIGN §1).
  if (object !== null && typeof object === 'object' && typeof object[Symbol.asyncIterator] === 'function') {
    if (keepalive) throw new TypeError('A keepalive request cannot have a stream body')
    const stream = isNodeReadable(object) ? Readable.toWeb(object) : iterableStream(object)
    return { body: new BodyState({ stream }), type: null }
  }
  // WebIDL: anything else converts to a USVString.
  return bytesBody(encoder.encode(String(object)), 'text/plain;charset=UTF-8')
}

function bytesBody (bytes, type) {
  return { body: new BodyState({ source: bytes, length: bytes.length }), type }
}

function formDataBody (formData) {
  // Its multipart bytes as a Blob that references the files: the body's
  // size is known, and file contents are read only while being sent.
  const { blob, type } = encodeFormData(formData)
  return { body: new BodyState({ source: blob, length: blob.size }), type }
}

/**
 * A Node Readable: read through Node's own web adapter, which keeps the
 * Readable reading ahead while the previous chunk is sent (its async
 * iterator reads one chunk at a time, ~4x slower from a file).
 */
function isNodeReadable (object) {
  return object instanceof Readable && !object.readableObjectMode
}

/**
 * A ReadableStream over an async iterable of strings and byte chunks. Not a
 * byte stream: an empty item is then an empty chunk, not a reason to loop.
 */
function iterableStream (iterable) {
  let iterator = null
  return new ReadableStream({
    start () {
      iterator = iterable[Symbol.asyncIterator]()
    },
    async pull (controller) {
      const { done, value } = await iterator.next()
      if (done) return controller.close()
      if (typeof value === 'string') controller.enqueue(encoder.encode(value))
      else if (value instanceof Uint8Array) controller.enqueue(value)
      else if (types.isArrayBuffer(value)) controller.enqueue(new Uint8Array(value))
      else if (ArrayBuffer.isView(value)) controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
      else {
        // The stream errors; let the producer clean up as on cancel.
        await iterator.return?.()
        throw new TypeError('an async iterable body must yield strings or bytes')
      }
    },
    async cancel (reason) {
      if (typeof iterator?.return === 'function') await iterator.return(reason)
    }
  }, { highWaterMark: 0 })
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
  return new BodyState({ source: body.source, stream: b, length: body.length })
}

/** Installs the Body mixin (body, bodyUsed, text/json/arrayBuffer/bytes/blob/formData) on a class. */
function mixinBody (Class, stateOf) {
  // Each reader is Fetch §6.3 "consume body" with its own conversion of the
  // bytes; a refused body (used, locked, aborted) is an already-rejected
  // promise, as with Node's fetch.
  const consume = (self, convert) => {
    let state
    try {
      state = stateOf(self)
    } catch (err) {
      return Promise.reject(err)
    }
    const refused = refusal(state.body)
    if (refused !== null) return Promise.reject(refused)
    return consumeBytes(state.body).then((bytes) => convert(bytes, state))
  }
  // "UTF-8 decode": a leading BOM is dropped, bad bytes become U+FFFD.
  const utf8 = (bytes) => decoder.decode(bytes)
  // consume body, then "UTF-8 decode" it and `convert` the text; a native
  // body that is all in already comes decoded in one call (nativeText).
  const consumeText = (self, convert) => {
    let state
    try {
      state = stateOf(self)
    } catch (err) {
      return Promise.reject(err)
    }
    if (refusal(state.body) === null) {
      const text = nativeText(state.body)
      if (text !== null) {
        try {
          return Promise.resolve(convert(text))
        } catch (err) {
          return Promise.reject(err)
        }
      }
    }
    return consume(self, (bytes) => convert(utf8(bytes)))
  }
  const methods = {
    arrayBuffer () {
      return consume(this, (bytes) => bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? bytes.buffer
        : bytes.slice().buffer)
    },
    bytes () {
      return consume(this, (bytes) => bytes)
    },
    text () {
      return consumeText(this, (text) => text)
    },
    json () {
      // "parse JSON from bytes": a malformed body rejects with SyntaxError.
      return consumeText(this, JSON.parse)
    },
    blob () {
      // The type is the header's MIME type, parsed and re-serialized
      // (lower-case, canonical quoting), or '' when there is none.
      return consume(this, (bytes, state) => {
        const mime = extractMimeType(state.headers)
        return new Blob([bytes], { type: mime === null ? '' : mime.toString() })
      })
    },
    formData () {
      return consume(this, (bytes, state) => parseFormData(bytes, extractMimeType(state.headers)))
    }
  }
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(Class.prototype, name, {
      value: fn, writable: true, configurable: true, enumerable: true
    })
  }
  // The mixin's getters: `body` is made on first access. Defined through
  // an accessor literal so that, as WebIDL names them and on Node's own
  // classes, the functions are named 'get body' and 'get bodyUsed'.
  const getters = Object.getOwnPropertyDescriptors({
    get body () {
      const body = stateOf(this).body
      return body === null ? null : streamOf(body)
    },
    get bodyUsed () { return bodyUsed(stateOf(this).body) }
  })
  for (const [name, { get }] of Object.entries(getters)) {
    Object.defineProperty(Class.prototype, name, { get, configurable: true, enumerable: true })
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
  drainStream,
  CANCELLED
}
