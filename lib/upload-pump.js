'use strict'
// Feeding a streamed request body into the native queue: synchronous
// pushes, awaiting only when the queue is full (DESIGN §3).

const ready = require('./ready')

const encoder = new TextEncoder()

/** push() results (see src/upload.rs). */
const ROOM_LEFT = 1
const NOW_FULL = 0
const REFUSED = -1

/**
 * A chunk as bytes: Uint8Array as is, strings UTF-8 encoded (an extension,
 * as undici has it for async iterables), any other view by its bytes.
 */
function toBytes (chunk) {
  if (chunk instanceof Uint8Array) return chunk
  if (typeof chunk === 'string') return encoder.encode(chunk)
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk)
  throw new TypeError(`request body chunks must be Uint8Array or string, got ${chunk === null ? 'null' : typeof chunk}`)
}

/**
 * Pushes one chunk; resolves true while the body still takes data, false
 * once it does not (the request ended or the server stopped reading).
 * Returns a boolean synchronously when no wait is needed.
 */
function pushChunk (upload, bytes) {
  const result = upload.push(bytes)
  if (result === ROOM_LEFT) return true
  if (result === NOW_FULL) return ready.writable(upload)
  if (result === REFUSED) return false
  throw new Error(`unexpected push result ${result}`)
}

/**
 * Reads `stream` to its end into `upload`, one attempt at sending a native
 * streamed body (src/upload.rs). A source error (or a
 * chunk of the wrong type) fails the upload so that the server never sees
 * a cleanly ended body, and is reported to `onError`. `onChunk`, when
 * given, is told each chunk pushed (undici:request:bodyChunkSent).
 */
async function pumpToNative (upload, stream, onError, onChunk = null) {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) {
        upload.endUpload()
        return
      }
      const bytes = toBytes(value)
      let open = pushChunk(upload, bytes)
      // A chunk the queue refused was not handed over.
      if (onChunk !== null && open !== false) onChunk(bytes)
      if (open !== true) open = await open
      if (!open) {
        // Nobody reads the body any more: tell the producer to stop.
        reader.cancel().catch(() => {})
        return
      }
    }
  } catch (err) {
    upload.failUpload(String(err?.message ?? err))
    reader.cancel(err).catch(() => {})
    onError(err)
  }
}

module.exports = { pumpToNative, pushChunk, toBytes }
