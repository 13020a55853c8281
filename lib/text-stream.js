'use strict'
// response.textStream(): the body as a ReadableStream of strings, decoded
// as UTF-8 the way text() decodes it (Encoding §"UTF-8 decode": a leading
// BOM is dropped, bad bytes become U+FFFD), but as the body arrives. A code
// point split across chunks is held back until it is whole. Like any
// ReadableStream it is async-iterable.

const { isUnusable, streamOf } = require('./body')

/**
 * A ReadableStream<string> over `body` (a BodyState, or null for a
 * response without a body: the stream is then empty).
 * @param {object|null} body
 */
function textStreamOf (body) {
  if (body === null) return new ReadableStream({ start: (c) => c.close() })
  if (isUnusable(body)) throw new TypeError('Body is unusable: Body has already been read')
  // Locks (and so uses) the body now, as text() does.
  const reader = streamOf(body).getReader()
  // One decoder per stream, in streaming mode: it keeps the bytes of an
  // unfinished code point between chunks, and strips the BOM once.
  const decoder = new TextDecoder('utf-8')
  return new ReadableStream({
    async pull (controller) {
      // Bounded by the body: each turn reads one chunk, and returns once
      // it produced text or the body ended.
      for (;;) {
        const { done, value } = await reader.read()
        if (done) {
          // The end flushes an unfinished code point as U+FFFD.
          const tail = decoder.decode()
          if (tail !== '') controller.enqueue(tail)
          controller.close()
          return
        }
        const text = decoder.decode(value, { stream: true })
        if (text !== '') {
          controller.enqueue(text)
          return
        }
      }
    },
    cancel (reason) {
      return reader.cancel(reason)
    }
  }, { highWaterMark: 0 })
}

module.exports = { textStreamOf }

/** Installs Body's textStream() on a class (Request, Response). */
function mixinTextStream (Class, stateOf) {
  Object.defineProperty(Class.prototype, 'textStream', {
    value: function textStream () {
      return textStreamOf(stateOf(this).body)
    },
    writable: true,
    configurable: true,
    enumerable: true
  })
}

module.exports.mixinTextStream = mixinTextStream
