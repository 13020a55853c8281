'use strict'
// events(input, init): a reconnecting async iterator of Server-Sent Events.
// Any fetch init works (POST with a JSON body and an Authorization header is
// the LLM case); reconnection follows the HTML standard's EventSource
// (§9.2.3) through the policy EventSource uses too (reconnect.js): wait the
// server's `retry` (default 3 s) after the stream ends, send Last-Event-ID,
// back off with jitter while the server is unreachable, stop on 204, and end
// with an error on a non-2xx status, a content type other than
// text/event-stream, or a line or event over `maxSize`.

const { Headers } = require('./headers')
const { msOption, checkByteLimit } = require('./options')
const { mimeEssence } = require('./mime')
const { toAbortSignalOrNull } = require('./webidl')
const { eventTimeoutOption } = require('./event-timeout')
const {
  ReconnectPolicy, isRetryable, reconnectTimer, takeLastEventId,
  LAST_EVENT_ID, DEFAULT_RECONNECTION_TIME, DEFAULT_MAX_BACKOFF
} = require('./reconnect')
const { codes } = require('./codes')
const { brandClass } = require('./brand')

/** The error that ends an event stream: a bad status or content type. */
class EventStreamError extends Error {
  constructor (message, { status, code, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'EventStreamError'
    this.status = status
    this.code = code
  }
}
brandClass(EventStreamError, 'ferrofetch.EventStreamError')

function eventOptions (init) {
  if (init === null || typeof init !== 'object') throw new TypeError("events: 'init' must be an object")
  const { retry, maxRetryDelay, maxSize, lastEventId, eventTimeout, ...fetchInit } = init
  checkByteLimit(maxSize, 'maxSize', 'events')
  if (lastEventId !== undefined && typeof lastEventId !== 'string') {
    throw new TypeError("events: 'lastEventId' must be a string")
  }
  // Validated now, so that a bad header is a TypeError before any I/O.
  const headers = new Headers(fetchInit.headers)
  const resumeFrom = takeLastEventId(headers)
  return {
    retry: msOption(init, 'retry', 'events') ?? DEFAULT_RECONNECTION_TIME,
    maxRetryDelay: msOption(init, 'maxRetryDelay', 'events') ?? DEFAULT_MAX_BACKOFF,
    maxSize,
    lastEventId: lastEventId ?? resumeFrom ?? '',
    // undefined: the client's default (see response.events()).
    eventTimeout: eventTimeout === undefined ? undefined : eventTimeoutOption(init, 'events'),
    headers,
    fetchInit
  }
}

/**
 * Fetch §6.6 step 2 (via the Request constructor, step 5.2): an input that
 * is not an absolute URL is a TypeError, thrown before any I/O. A Request
 * (ours or another implementation's) carries its own URL.
 */
function checkInput (input) {
  const isRequestLike = input !== null && typeof input === 'object' && !(input instanceof URL) &&
    typeof input.url === 'string'
  const text = isRequestLike ? input.url : typeof input === 'symbol' ? input.toString() : String(input)
  try {
    // eslint-disable-next-line no-new
    new URL(text)
  } catch (cause) {
    throw new TypeError(`events: Failed to parse URL from ${text}`, { cause })
  }
}

/** HTML §9.2.2 step 15.3: whether a Content-Type's MIME type is `text/event-stream`. */
function isEventStream (contentType) {
  // The usual exact value is its own essence: no MIME parse for it.
  return contentType === 'text/event-stream' || mimeEssence(contentType) === 'text/event-stream'
}

class EventStream {
  /**
   * @param {(input, init) => Promise<Response>} fetchFn
   * @param {(response, options) => AsyncIterator} eventsOf  the events of a response
   */
  constructor (fetchFn, eventsOf, input, init) {
    checkInput(input)
    const options = eventOptions(init)
    this.fetchFn = fetchFn
    this.eventsOf = eventsOf
    this.input = input
    this.options = options
    this.policy = new ReconnectPolicy({
      reconnectionTime: options.retry,
      maxBackoff: options.maxRetryDelay,
      lastEventId: options.lastEventId
    })
    this.current = null
    this.closed = false
    this.failure = null
    this.controller = new AbortController()
    this.wakeUp = null
    const signal = toAbortSignalOrNull(options.fetchInit.signal, 'events')
    if (signal !== null) {
      const onAbort = () => this.stop(signal.reason ?? new DOMException('This operation was aborted', 'AbortError'))
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    }
  }

  /** The last event ID in force: sent as Last-Event-ID on reconnect. */
  get lastEventId () {
    return this.current?.lastEventId ?? this.policy.lastEventId
  }

  [Symbol.asyncIterator] () { return this }

  next () {
    // Fast path: events already parsed need no connection logic.
    const current = this.current
    if (current !== null && current.hasBuffered && this.failure === null && !this.closed) {
      return current.next()
    }
    return this.advance()
  }

  async advance () {
    for (;;) {
      if (this.failure !== null) {
        const err = this.failure
        this.failure = null
        this.closed = true
        throw err
      }
      if (this.closed) return { value: undefined, done: true }
      if (this.current === null) {
        await this.connect()
        continue
      }
      let step
      try {
        step = await this.current.next()
      } catch (err) {
        if (this.closed || this.failure !== null) continue
        if (!isRetryable(err)) throw this.end(err)
        // The stream broke mid-way: reconnect after the reconnection time.
        this.dropCurrent()
        await this.sleep(this.policy.delay())
        continue
      }
      if (step.done) {
        // The server closed the stream: reconnect after the reconnection time.
        this.dropCurrent()
        await this.sleep(this.policy.delay())
        continue
      }
      return step
    }
  }

  dropCurrent () {
    if (this.current !== null) {
      this.policy.lastEventId = this.current.lastEventId
      this.current = null
    }
  }

  /** Connects, retrying with backoff while the server is unreachable. */
  async connect () {
    // Bounded by the caller: each turn waits the policy's delay, and close()
    // or the signal ends it.
    while (!this.closed && this.failure === null) {
      const headers = new Headers(this.options.headers)
      if (!headers.has('accept')) headers.set('accept', 'text/event-stream')
      headers.set('cache-control', 'no-cache')
      const lastEventId = this.policy.lastEventIdHeader()
      if (lastEventId !== null) headers.set(LAST_EVENT_ID, lastEventId)
      let response
      try {
        response = await this.fetchFn(this.input, { ...this.options.fetchInit, headers, signal: this.controller.signal })
      } catch (err) {
        if (this.closed || this.failure !== null) return
        if (!isRetryable(err)) throw this.end(err)
        this.policy.failed()
        await this.sleep(this.policy.delay())
        continue
      }
      if (this.closed || this.failure !== null) {
        response.body?.cancel().catch(() => {})
        return
      }
      if (response.status === 204) {
        // "HTTP 204 No Content ... tells the client to stop reconnecting."
        this.close()
        return
      }
      if (!response.ok || !isEventStream(response.headers.get('content-type'))) {
        response.body?.cancel().catch(() => {})
        const code = response.ok ? codes.SSE_CONTENT_TYPE : codes.SSE_STATUS
        const what = response.ok
          ? `content type ${JSON.stringify(response.headers.get('content-type'))} is not text/event-stream`
          : `status ${response.status}`
        throw this.end(new EventStreamError(`event stream failed: ${what}`, { status: response.status, code }))
      }
      this.current = this.eventsOf(response, {
        maxSize: this.options.maxSize,
        eventTimeout: this.options.eventTimeout,
        lastEventId: this.policy.lastEventId,
        onRetry: (ms) => this.policy.setRetry(ms)
      })
      this.policy.connected()
      return
    }
  }

  /**
   * Waits to reconnect. Unlike EventSource's, this timer keeps the process
   * alive: it only runs while a next() promise is pending, so someone is
   * awaiting the stream, and an unref'd timer would let the process exit in
   * the middle of a `for await` (an unsettled top-level await) instead of
   * reconnecting as promised.
   */
  sleep (ms) {
    return new Promise((resolve) => {
      const timer = reconnectTimer(done, ms, { keepAlive: true })
      function done () {
        clearTimeout(timer)
        resolve()
      }
      this.wakeUp = done
    }).finally(() => { this.wakeUp = null })
  }

  /** Marks the stream failed with `err` and returns it, for `throw`. */
  end (err) {
    this.closed = true
    this.controller.abort()
    return err
  }

  /** Stops with `reason` (the caller's signal aborted). */
  stop (reason) {
    if (this.closed) return
    this.failure = reason
    this.shutdown()
  }

  /** Stops everything and closes the connection; the iterator ends. */
  close () {
    if (this.closed) return
    this.closed = true
    this.shutdown()
  }

  shutdown () {
    this.controller.abort()
    if (this.current !== null) {
      this.policy.lastEventId = this.current.lastEventId
      this.current.return()
      this.current = null
    }
    if (this.wakeUp !== null) this.wakeUp()
  }

  return (value) {
    this.close()
    return Promise.resolve({ value, done: true })
  }
}

module.exports = { EventStream, EventStreamError, isEventStream }
