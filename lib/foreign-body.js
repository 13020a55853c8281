'use strict'
// A body that reaches fetch() through a Request made by another
// implementation (Node's own, a polyfill's): how much of it to read up front
// so that it is sent as Node's fetch would send it (whole with its length,
// or streamed).

const { BodyState } = require('./body')
const { concat } = require('./native-body')

/**
 * The most of a body sent whole (read into memory first, with its length):
 * Blobs (and so FormData, whose files are Blobs) larger than this are
 * streamed from their source (fetch.js), and a foreign Request's body is
 * read up front only up to it (here). Kept here, by its second user, so
 * that fetch.js can import it without a cycle.
 */
const BUFFERED_BLOB_LIMIT = 1024 * 1024

const LATE = Symbol('late')

/** `promise`'s value if it settles before the event loop's next turn, else LATE. */
function beforeNextTurn (promise) {
  let handle
  const late = new Promise((resolve) => { handle = setImmediate(resolve, LATE) })
  return Promise.race([promise, late]).finally(() => clearImmediate(handle))
}

/**
 * The body of a Request made by another implementation, as it is sent.
 *
 * Node's fetch sends a Request's string, bytes, Blob, URLSearchParams or
 * FormData body whole, with its Content-Length, and replays it on 307/308,
 * because its Request keeps the body's source; a stream body it sends
 * chunked. A foreign Request shows us only a stream, so which one it was is
 * told by behaviour (differential tests in
 * __test__/request-interop.spec.mjs): a body made from a source is a byte
 * stream whose every chunk and end arrive before the event loop turns,
 * with no I/O. Such a body, up to BUFFERED_BLOB_LIMIT, is read here and
 * sent whole, as Node sends it (also when it reaches us through a Request
 * of ours made from the foreign one). Anything else (a user's stream, which is
 * seldom a byte stream, one that waits for I/O, or a larger body) is sent
 * streamed, chunked, from where this reading stopped. The one departure
 * from Node: a user's byte stream holding its whole (small) body up front
 * goes out with a Content-Length rather than chunked.
 */
async function takeForeignBody (body, byteStream) {
  const stream = body.stream
  if (stream === null || !byteStream) return body
  const reader = stream.getReader()
  const chunks = []
  let total = 0
  // Called before the first await: the stream is disturbed at once.
  let pending = reader.read()
  // Bounded: each round adds a chunk until the limit, or ends the loop.
  for (;;) {
    let result
    try {
      result = await beforeNextTurn(pending)
    } catch {
      // The stream failed: the upload below meets the same failure.
      break
    }
    if (result === LATE) break
    if (result.done) {
      const source = concat(chunks, total)
      return new BodyState({ source, length: source.length })
    }
    chunks.push(result.value)
    pending = null
    if (!(result.value instanceof Uint8Array)) break
    total += result.value.length
    if (total > BUFFERED_BLOB_LIMIT) break
    pending = reader.read()
  }
  return new BodyState({ stream: resumedStream(chunks, pending, reader) })
}

/** The rest of a stream whose reading began: `chunks` already read, then `pending`, then `reader`. */
function resumedStream (chunks, pending, reader) {
  let next = 0
  return new ReadableStream({
    async pull (controller) {
      if (next < chunks.length) {
        controller.enqueue(chunks[next])
        chunks[next++] = null
        return
      }
      const read = pending ?? reader.read()
      pending = null
      const { done, value } = await read
      if (done) controller.close()
      else controller.enqueue(value)
    },
    cancel (reason) {
      return reader.cancel(reason)
    }
  }, { highWaterMark: 0 })
}

module.exports = { takeForeignBody, BUFFERED_BLOB_LIMIT }
