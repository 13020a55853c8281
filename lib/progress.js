'use strict'
// onUploadProgress / onDownloadProgress, with ky's shape so that code moves
// over unchanged: `{ percent, transferredBytes, totalBytes }`, totalBytes 0
// (and percent 0) while the length is unknown, and a last call with
// percent 1 when done. Calls are coalesced: at most one per chunk crossing
// or per REPORT_INTERVAL ms, whichever is rarer. A callback that throws
// fails the request with its error.
//
// Upload progress counts the bytes the connection took (counted in Rust
// where hyper takes them, crates/core body.rs), not the bytes JS pushed: a
// server that stops reading stops the count. Download progress counts the
// body bytes handed to the reader (decoded), as ky does. Nothing here runs
// for a request without a callback.

const { NativeReaderFilter } = require('./native-body')

/** Least time between two reports, ms (a display frame). */
const REPORT_INTERVAL = 16
/** readInto results (see src/exchange.rs). */
const END = -1

/** The progress callbacks of a fetch init, validated (TypeError before any I/O). */
function progressOptions (init, context = 'RequestInit') {
  const upload = init?.onUploadProgress
  const download = init?.onDownloadProgress
  for (const [name, fn] of [['onUploadProgress', upload], ['onDownloadProgress', download]]) {
    if (fn !== undefined && fn !== null && typeof fn !== 'function') {
      throw new TypeError(`${context}: '${name}' must be a function`)
    }
  }
  if (!upload && !download) return null
  return { upload: upload ?? null, download: download ?? null }
}

function progress (transferredBytes, totalBytes, done) {
  const percent = done ? 1 : totalBytes === 0 ? 0 : Math.min(1, transferredBytes / totalBytes)
  return { percent, transferredBytes, totalBytes }
}

/**
 * Reports upload progress of a native exchange by reading its Rust-side
 * count every REPORT_INTERVAL ms (one sync call), until the connection
 * took the whole body, the body was abandoned, or `stop()`.
 * @param {object} native  NativeExchange with a streamed body
 * @param {(p: object) => void} callback
 * @param {number} totalBytes  the body's length, 0 when unknown
 * @param {(err: unknown) => void} fail  fails the request with a callback's error
 */
function watchUpload (native, callback, totalBytes, fail) {
  let reported = -1
  let timer = null
  let finished = false
  const stop = () => {
    finished = true
    if (timer !== null) clearInterval(timer)
    timer = null
  }
  const report = (bytes, done) => {
    try {
      callback(progress(bytes, done && totalBytes === 0 ? bytes : totalBytes, done))
    } catch (err) {
      stop()
      fail(err)
      return false
    }
    return true
  }
  const check = () => {
    if (finished) return
    const bytes = native.uploadedBytes()
    const state = native.uploadState()
    const done = state === 1 || (totalBytes > 0 && bytes >= totalBytes)
    if (done) {
      stop()
      report(bytes, true)
      return
    }
    if (state === -1) return stop()
    if (bytes !== reported) {
      reported = bytes
      report(bytes, false)
    }
  }
  if (!report(0, false)) return { stop, flush: stop }
  timer = setInterval(check, REPORT_INTERVAL)
  // The request's own promise keeps the process alive while it runs.
  timer.unref?.()
  // flush(): one more look now (when the response head arrived), so that
  // the last call comes before fetch() resolves, not a timer tick later.
  return { stop, flush: check }
}

/**
 * A NativeExchange seen through download progress: the same methods, and
 * each read counts the bytes it handed over. The body's readers (lib/body.js)
 * call it as they would the native one, so they need no change; without a
 * callback the native object is used directly and nothing is added.
 */
class DownloadProgressNative extends NativeReaderFilter {
  constructor (native, callback, totalBytes) {
    super(native)
    this.callback = callback
    this.totalBytes = totalBytes
    this.transferred = 0
    this.lastReport = 0
    this.finished = false
    this.failure = undefined
    // The BodyState reading through this, to fail with a callback's error.
    this.body = null
  }

  /** The first report (0 bytes), as ky makes when the response arrives; false if it threw. */
  start () {
    try {
      this.callback(progress(0, this.totalBytes, false))
      this.lastReport = performance.now()
      return true
    } catch (err) {
      this.failure = err
      return false
    }
  }

  report (done) {
    const total = done && this.totalBytes === 0 ? this.transferred : this.totalBytes
    this.callback(progress(this.transferred, total, done))
  }

  readInto (view) {
    const n = this.native.readInto(view)
    if (this.finished) return n
    try {
      if (n > 0) {
        this.transferred += n
        const now = performance.now()
        if (now - this.lastReport >= REPORT_INTERVAL) {
          this.lastReport = now
          this.report(false)
        }
      } else if (n === END) {
        this.finished = true
        this.report(true)
      }
    } catch (err) {
      this.finished = true
      // Fails the body (and aborts the request): its reader gets `err`.
      if (this.body !== null) this.body.fail(err)
      return -2
    }
    return n
  }
}

/**
 * The first download report, when the response head arrives: 0 bytes of
 * the body's length (Content-Length, unless the body is decoded), or the
 * only one (percent 1) for a response without a body. Returns the
 * callback's error if it threw, else undefined.
 * @param {DownloadProgressNative|object} reader  the body's reader (the native exchange for no body)
 * @param {object|null} body  the response's BodyState
 */
function startDownloadProgress (reader, body, callback) {
  if (body === null) {
    try {
      callback(progress(0, 0, true))
    } catch (err) {
      return err
    }
    return undefined
  }
  reader.totalBytes = body.length ?? 0
  reader.body = body
  return reader.start() ? undefined : reader.failure
}

/**
 * Upload progress of `exchange` (the PendingExchange over `native`): a
 * callback that throws aborts it, and the last call (percent 1) comes
 * before `exchange.response` resolves, not a timer tick later.
 */
function watchExchangeUpload (exchange, native, callback, totalBytes) {
  const watcher = watchUpload(native, callback, totalBytes, (err) => exchange.abort(err))
  exchange.response = exchange.response.then((response) => {
    watcher.flush()
    return response
  })
}

module.exports = { progressOptions, watchExchangeUpload, DownloadProgressNative, startDownloadProgress, REPORT_INTERVAL }
