'use strict'
// upload(input, init) → { writable, response }: a WritableStream whose
// writes go straight into the native request-body queue, and the response.

const { requestParts } = require('./request')
const { requestCreated, chunksSentObserved } = require('./diagnostics')
const { startNative, coreAdditions, checkScheme, PendingExchange } = require('./fetch')
const { pushChunk, toBytes } = require('./upload-pump')
const { abortReason } = require('./errors')
const { progressOptions, watchExchangeUpload } = require('./progress')

function closedError () {
  return new TypeError('the request body is closed: the request ended or the server stopped reading it')
}

/**
 * Starts a request whose body is written through `writable`.
 * @param {(parts: object) => {native: object, defaults: object}} clientFor
 */
function uploadWith (clientFor, input, init = {}) {
  if (init === null || typeof init !== 'object') throw new TypeError("upload: 'init' must be an object")
  if (init.body !== undefined && init.body !== null) {
    throw new TypeError("upload: 'body' cannot be given; write it into the returned writable")
  }
  // POST unless told otherwise: an upload has a body, and GET cannot.
  const parts = requestParts(input, { ...init, method: init.method ?? 'POST', body: undefined })
  if (parts.method === 'GET' || parts.method === 'HEAD') {
    throw new TypeError(`upload: a ${parts.method} request cannot have a body`)
  }
  parts.progress = progressOptions(init, 'upload')
  checkScheme(parts.url)
  const signal = parts.signal
  if (signal !== null && signal.aborted) throw abortReason(signal)
  const { native, defaults } = clientFor(parts)
  const traced = requestCreated(parts, true, () => coreAdditions(native, parts, true))
  const nativeExchange = startNative(native, defaults, parts, null, 'once', traced)
  const nativeUpload = nativeExchange.uploadAttempt(0)
  const exchange = new PendingExchange(nativeExchange, parts, signal, traced)
  const chunksObserved = traced !== null && chunksSentObserved()
  if (parts.progress?.upload) {
    // The total is known only from a Content-Length the caller set.
    const total = Number(parts.headers.get('content-length')) || 0
    watchExchangeUpload(exchange, nativeExchange, parts.progress.upload, total)
  }
  // A request that fails before its response (e.g. the client is closed)
  // may never take its body: without this, writes would fill a queue that
  // nothing drains and then wait for room forever. They fail with the
  // request's error instead.
  let failure = null
  let controller = null
  exchange.response.catch((err) => {
    failure = err
    // Releases a write waiting for room: the queue stops taking data.
    nativeExchange.abort()
    controller.error(err)
  })
  const writable = new WritableStream({
    start (c) {
      controller = c
      // A closed client fails the request at once: hold writes until it
      // has, so that even the first one fails rather than being queued.
      if (native.closed) return exchange.response.then(() => {}, () => {})
    },
    write (chunk) {
      if (failure !== null) throw failure
      const bytes = toBytes(chunk)
      const open = pushChunk(nativeUpload, bytes)
      if (chunksObserved && open !== false) exchange.traced.onChunkSent(bytes)
      if (open === true) return
      if (open === false) throw failure ?? closedError()
      return open.then((stillOpen) => {
        if (!stillOpen) throw failure ?? closedError()
      })
    },
    close () {
      nativeUpload.endUpload()
    },
    abort (reason) {
      nativeUpload.failUpload(String(reason?.message ?? reason))
      exchange.failUpload(reason)
    }
  }, new CountQueuingStrategy({ highWaterMark: 1 }))
  return { writable, response: exchange.response }
}

module.exports = { uploadWith }
