'use strict'
// EventSource (HTML §9.2.2–9.2.5) over fetch. The body is parsed by
// eventsOfResponse: in Rust for ferrofetch's own responses, through the body
// stream for a Response from any other fetch.
//
// A drop-in for the npm `eventsource` package (v3/v4) as well: `init.fetch`
// replaces the fetch function and receives (URL, init) as that package
// passes them; error events carry `message` and `code` (the HTTP status, if
// any). Extensions: `headers`, `method` and `body` in init (POST streams),
// and `maxSize` (byte limit for a line or an event; the package's
// `maxBufferSize` is read as the same limit). Reconnection follows the
// policy events() uses too (reconnect.js).

const { Headers } = require('./headers')
const { Response, eventsOfResponse } = require('./response')
const { isEventStream } = require('./events')
const { eventTimeoutOption } = require('./event-timeout')
const { ReconnectPolicy, isRetryable, isTooLarge, reconnectTimer, takeLastEventId, LAST_EVENT_ID } = require('./reconnect')
const { requireArguments, toDictionary, makeMembersEnumerable, defineClassString } = require('./webidl')
const { checkByteLimit } = require('./options')
const { bufferExceededMessage } = require('./sse')

const CONNECTING = 0
const OPEN = 1
const CLOSED = 2

/** An 'error' event with the npm `eventsource` package's `message` and `code`. */
class ErrorEvent extends Event {
  /**
   * @param {string} type
   * @param {{ message?: string, code?: number, error?: unknown }} [init]
   */
  constructor (type, init = {}) {
    super(type, init)
    this.code = init.code ?? undefined
    this.message = init.message ?? undefined
    // Like the DOM's ErrorEvent: the error behind it, when there is one.
    this.error = init.error ?? undefined
  }

  // Node's inspector shows only Event's own fields; show ours too.
  [Symbol.for('nodejs.util.inspect.custom')] (depth, options, inspect) {
    const { type, message, code, error } = this
    return `ErrorEvent ${inspect({ type, message, code, error }, options)}`
  }
}

/** The size limit: `maxSize`, or the `eventsource` package's `maxBufferSize`. */
function maxSizeOption (init) {
  return checkByteLimit(init.maxSize, 'maxSize', 'EventSource') ??
    checkByteLimit(init.maxBufferSize, 'maxBufferSize', 'EventSource')
}

/** A body the `eventsource` package can read: a web ReadableStream. */
function hasWebStreamBody (response) {
  // Our own Response: its body stream is made lazily, and events are parsed
  // natively without it.
  if (response instanceof Response) return true
  const body = response.body
  return typeof body === 'object' && body !== null && typeof body.getReader === 'function'
}

/** The origin of a response's URL; no new URL parse when it is the source's own. */
function originOf (responseUrl, sourceHref, sourceOrigin) {
  return responseUrl === '' || responseUrl === sourceHref ? sourceOrigin : new URL(responseUrl).origin
}

/**
 * The request headers every connection starts from, as the `eventsource`
 * package passes them (a plain object): the caller's (validated, without
 * Last-Event-ID), then §9.2.2 step 10 `Accept` and step 11's
 * `Cache-Control` where the caller set none. Made once per EventSource;
 * one frozen object is shared by all that set no headers (an idle source
 * keeps no Headers object: ~0.3 KB each).
 */
function baseRequestHeaders (headers) {
  const base = {}
  for (const [name, value] of headers) base[name] = value
  // 10. User agents may set (`Accept`, `text/event-stream`) in request's header list.
  if (!headers.has('accept')) base.Accept = 'text/event-stream'
  // 11. Set request's cache mode to "no-store" — which makes fetch add
  // `Cache-Control: no-cache` (Fetch §4.5); set here for fetch functions
  // that ignore `cache`.
  if (!headers.has('cache-control')) base['Cache-Control'] = 'no-cache'
  return base
}
const DEFAULT_REQUEST_HEADERS = Object.freeze(baseRequestHeaders(new Headers()))

/** What close() aborts: the connection's exchange (ferrofetch's own fetch) or its AbortController. */
function abortConnection (aborter) {
  if (aborter instanceof AbortController) aborter.abort()
  // The reason a plain AbortController.abort() gives.
  else aborter.abort(new DOMException('This operation was aborted', 'AbortError'))
}

/** "fetch failed: connect ECONNREFUSED 127.0.0.1:1": the error and its causes. */
function describe (err) {
  if (!(err instanceof Error)) return String(err)
  return err.cause === undefined ? err.message : `${err.message}: ${describe(err.cause)}`
}

function cancelBody (response) {
  try {
    response?.body?.cancel().catch(() => {})
  } catch {}
}

/** A body that can be sent again on each reconnection. */
function checkReplayable (body) {
  if (body === undefined || body === null || typeof body === 'string') return
  if (typeof body.getReader === 'function' || typeof body[Symbol.asyncIterator] === 'function') {
    throw new TypeError("EventSource: 'body' must be replayable (a string, bytes, Blob, FormData or URLSearchParams), not a stream")
  }
}

let ferrofetchFetch = null
/** ferrofetch's top-level fetch, loaded on first use (client.js may load this module). */
function defaultFetch (input, init) {
  ferrofetchFetch ??= require('./client').fetch
  return ferrofetchFetch(input, init)
}

let ferrofetchFetchWithExchange = null
/** defaultFetch, handing its exchange to `onExchange` (see #connect). */
function defaultFetchWithExchange (input, init, onExchange) {
  ferrofetchFetchWithExchange ??= require('./client').fetchWithExchange
  return ferrofetchFetchWithExchange(input, init, onExchange)
}

class EventSource extends EventTarget {
  // The URL's serialization and origin: strings, not a URL object (~0.2 KB
  // less per idle source); each connection parses its own URL.
  #href
  #origin
  #withCredentials
  #readyState = CONNECTING
  #fetch
  // The request headers of every connection (see baseRequestHeaders).
  #headers
  #method
  #body
  #maxSize
  #eventTimeout
  // "the last event ID string", "the reconnection time" and the backoff.
  #policy = new ReconnectPolicy()
  // Counts connections: the steps of one run only while it is the current
  // one and the source is not CLOSED (see #live). A number rather than a
  // closure per connection.
  #attempt = 0
  // What close() aborts while the current connection's fetch is pending
  // (see abortConnection); null otherwise.
  #aborter = null
  #events = null
  #timer = null
  #handlers = { open: null, message: null, error: null }

  /**
   * @param {string | URL} url
   * @param {{ withCredentials?: boolean, fetch?: Function, headers?: HeadersInit,
   *   method?: string, body?: BodyInit, maxSize?: number, eventTimeout?: number }} [init]
   *   `eventTimeout`: the longest gap between events (ms); then `error`,
   *   CONNECTING and a reconnection (lib/event-timeout.js)
   */
  constructor (url, init = undefined) {
    requireArguments(arguments.length, 1, "Failed to construct 'EventSource'")
    super()
    init = toDictionary(init, "Failed to construct 'EventSource'")
    // 3. Let urlRecord be the result of encoding-parsing a URL given url.
    // 4. If urlRecord is failure, then throw a "SyntaxError" DOMException.
    // (WebIDL USVString: a Symbol cannot be converted, a TypeError.)
    if (typeof url === 'symbol') throw new TypeError("Failed to construct 'EventSource': the URL is a Symbol")
    try {
      const urlRecord = new URL(`${url}`)
      this.#href = urlRecord.href
      this.#origin = urlRecord.origin
    } catch {
      // The DOMException default message, as the `eventsource` package has it.
      throw new DOMException('An invalid or illegal string was specified', 'SyntaxError')
    }
    // 7. If eventSourceInitDict's withCredentials is true, set corsAttributeState to Use Credentials.
    this.#withCredentials = Boolean(init.withCredentials)
    if (init.fetch !== undefined && typeof init.fetch !== 'function') {
      throw new TypeError("EventSource: 'fetch' must be a function")
    }
    this.#fetch = init.fetch ?? defaultFetch
    // Validated now, so a bad header is a TypeError here rather than an error event later.
    const headers = new Headers(init.headers)
    this.#policy.lastEventId = takeLastEventId(headers) ?? ''
    this.#headers = headers.keys().next().done ? DEFAULT_REQUEST_HEADERS : baseRequestHeaders(headers)
    this.#method = init.method === undefined ? undefined : `${init.method}`
    checkReplayable(init.body)
    this.#body = init.body
    this.#maxSize = maxSizeOption(init)
    // undefined: the default of the fetch's client, if it is ferrofetch's.
    this.#eventTimeout = init.eventTimeout === undefined ? undefined : eventTimeoutOption(init, 'EventSource')
    // 15. Fetch request ...
    this.#start()
  }

  get url () { return this.#href }
  get withCredentials () { return this.#withCredentials }
  get readyState () { return this.#readyState }

  get onopen () { return this.#handlers.open?.value ?? null }
  set onopen (value) { this.#setHandler('open', value) }
  get onmessage () { return this.#handlers.message?.value ?? null }
  set onmessage (value) { this.#setHandler('message', value) }
  get onerror () { return this.#handlers.error?.value ?? null }
  set onerror (value) { this.#setHandler('error', value) }

  /**
   * "The close() method must abort any instances of the fetch algorithm
   * started for this EventSource object, and must set the readyState
   * attribute to CLOSED."
   */
  close () {
    this.#readyState = CLOSED
    if (this.#timer !== null) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    const aborter = this.#aborter
    this.#endConnection()
    if (aborter !== null) abortConnection(aborter)
    if (this.#events !== null) {
      this.#events.return()
      this.#events = null
    }
  }

  /**
   * Event handler IDL attributes (HTML §8.1.8.1): the first non-null value
   * adds one listener, which keeps its place among the others when the
   * value is replaced; null removes it.
   */
  #setHandler (type, value) {
    let handler = this.#handlers[type]
    // [LegacyTreatNonObjectAsNull]: anything but an object or function is null.
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      if (handler !== null) {
        EventTarget.prototype.removeEventListener.call(this, type, handler.listener)
        this.#handlers[type] = null
      }
      return
    }
    if (handler !== null) {
      handler.value = value
      return
    }
    handler = { value, listener: null }
    handler.listener = (event) => {
      if (typeof handler.value !== 'function') return
      if (handler.value.call(this, event) === false) event.preventDefault()
    }
    this.#handlers[type] = handler
    EventTarget.prototype.addEventListener.call(this, type, handler.listener)
  }

  /** The init for one request, shaped as the npm `eventsource` package passes it. */
  #requestInit (signal) {
    // A copy: the fetch function may change it.
    const headers = { ...this.#headers }
    // §9.2.3 reestablish 6.3: "If ev's last event ID string is not the empty
    // string ... set (`Last-Event-ID`, lastEventIDValue) in request's header list."
    const lastEventId = this.#policy.lastEventIdHeader()
    if (lastEventId !== null) headers[LAST_EVENT_ID] = lastEventId
    const init = {
      mode: 'cors',
      credentials: this.#withCredentials ? 'include' : 'same-origin',
      redirect: 'follow',
      cache: 'no-store',
      headers
    }
    if (signal !== null) init.signal = signal
    if (this.#method !== undefined) init.method = this.#method
    if (this.#body !== undefined && this.#body !== null) init.body = this.#body
    return init
  }

  /** Connects; what no step foresaw (e.g. a fetch function resolving to a non-Response) fails the connection. */
  #start () {
    this.#connect().catch((err) => this.#failConnection(describe(err), undefined, err))
  }

  /** True while connection `attempt` is the current one and the source is not CLOSED. */
  #live (attempt) {
    return this.#attempt === attempt && this.#readyState !== CLOSED
  }

  /** The current connection's steps stop (see #live); nothing is left to abort. */
  #endConnection () {
    this.#attempt++
    this.#aborter = null
  }

  /** One connection: §9.2.2 step 15 and its processResponse steps. */
  async #connect () {
    const attempt = ++this.#attempt
    // With ferrofetch's own fetch and no body to send, the fetch's exchange
    // exists before fetch() returns, and close() aborts that: no AbortSignal
    // per connection (Node's added ~6 KB of RSS per open stream, measured
    // over 2,000 idle ones). A fetch function of the caller's gets a signal,
    // as the `eventsource` package passes one; so does a request with a
    // body, which fetch reads before the exchange exists.
    const ownExchange = this.#fetch === defaultFetch && (this.#body === undefined || this.#body === null)
    let response
    try {
      // A fetch function that throws at once still reports asynchronously,
      // after the caller has had a chance to add listeners.
      if (ownExchange) {
        // The URL as a string: fetch parses it once, no URL object first.
        response = await defaultFetchWithExchange(this.#href, this.#requestInit(null), (exchange) => {
          if (this.#attempt === attempt) this.#aborter = exchange
        })
      } else {
        const controller = new AbortController()
        this.#aborter = controller
        response = await this.#fetch(new URL(this.#href), this.#requestInit(controller.signal))
      }
    } catch (err) {
      // 15.1 "If res is an aborted network error, then fail the connection":
      // only close() aborts, and it has already set CLOSED.
      if (!this.#live(attempt)) return
      // 15.2 "Otherwise, if res is a network error, then reestablish the
      // connection, unless the user agent knows that to be futile".
      if (!isRetryable(err)) return this.#failConnection(describe(err), undefined, err)
      this.#policy.failed()
      return this.#reestablish(describe(err), err)
    }
    // The exchange's part is done: from here close() ends the body.
    if (ownExchange) this.#aborter = null
    if (!this.#live(attempt)) return cancelBody(response)
    const status = response.status
    // 15.3 "if res's status is not 200, or if res's `Content-Type` is not
    // `text/event-stream`, then fail the connection." (204 included.)
    if (status !== 200) {
      cancelBody(response)
      const message = status === 204 ? 'Server sent HTTP 204, not reconnecting' : `Non-200 status code (${status})`
      return this.#failConnection(message, status)
    }
    if (!isEventStream(response.headers.get('content-type'))) {
      cancelBody(response)
      return this.#failConnection('Invalid content type, expected "text/event-stream"', status)
    }
    // MessageEvent origin: "the origin of the event stream's final URL (i.e.,
    // the URL after redirects)".
    const origin = originOf(response.url, this.#href, this.#origin)
    this.#policy.connected()
    if (!hasWebStreamBody(response)) {
      // As the `eventsource` package: open, then fail for good (only a
      // faulty fetch function returns such a response).
      this.#readyState = OPEN
      this.dispatchEvent(new Event('open'))
      if (!this.#live(attempt)) return
      return this.#failConnection('Invalid response body, expected a web ReadableStream', status)
    }
    let events
    try {
      events = eventsOfResponse(response, {
        maxSize: this.#maxSize,
        eventTimeout: this.#eventTimeout,
        lastEventId: this.#policy.lastEventId,
        onRetry: (ms) => this.#policy.setRetry(ms)
      })
    } catch (err) {
      cancelBody(response)
      return this.#failConnection(describe(err), undefined, err)
    }
    this.#events = events
    // 15.4 "announce the connection": "if readyState is not CLOSED, set
    // readyState to OPEN; fire an event named open".
    this.#readyState = OPEN
    this.dispatchEvent(new Event('open'))
    // Not returned: this connection's promise (and #start's catch on it)
    // need not wait, as two more promises per idle source, for the body.
    this.#interpret(events, origin, attempt).catch((err) => this.#failConnection(describe(err), undefined, err))
  }

  /** Reads the body's events and dispatches them until it ends or close(). */
  async #interpret (events, origin, attempt) {
    try {
      // Bounded by the stream: each turn consumes one event or ends.
      for (;;) {
        if (!this.#live(attempt)) return
        // Events already parsed are taken synchronously; only an empty
        // batch waits (one await per batch, not per event).
        let value = events.takeBuffered()
        if (value === undefined) {
          const next = await events.next()
          if (!this.#live(attempt)) return
          if (next.done) break
          value = next.value
        }
        // 8. "Queue a task which, if the readyState attribute is set to a
        // value other than CLOSED, dispatches the newly created event."
        this.dispatchEvent(new MessageEvent(value.event, {
          data: value.data,
          origin,
          lastEventId: value.id
        }))
      }
    } catch (err) {
      if (!this.#live(attempt)) return
      this.#policy.lastEventId = events.lastEventId
      this.#events = null
      if (isTooLarge(err)) {
        // The `eventsource` package's message, which its users match on.
        return this.#failConnection(bufferExceededMessage(this.#maxSize), undefined, err)
      }
      if (!isRetryable(err)) return this.#failConnection(describe(err), undefined, err)
      return this.#reestablish(describe(err), err)
    }
    // 14. processEventSourceEndOfBody: "If res is not a network error, then
    // reestablish the connection." The last event ID is the parser's (the
    // iterator reads it from there), which counts an id-only block after
    // the last event too.
    this.#policy.lastEventId = events.lastEventId
    this.#events = null
    this.#reestablish('The server closed the connection')
  }

  /** §9.2.3 "reestablish the connection". */
  #reestablish (message, error) {
    // 1. If the readyState attribute is set to CLOSED, abort these steps.
    if (this.#readyState === CLOSED) return
    this.#endConnection()
    // 2. Queue a task: if readyState is CLOSED, abort; set readyState to
    // CONNECTING; fire an event named error.
    this.#readyState = CONNECTING
    this.dispatchEvent(new ErrorEvent('error', { message, error }))
    if (this.#readyState !== CONNECTING || this.#timer !== null) return
    // 3. Wait a delay equal to the reconnection time of the event source.
    // 4. Optionally, wait some more: backoff while attempts fail.
    // The timer is unref'd, as the `eventsource` package's: waiting to
    // reconnect does not keep the process alive.
    this.#timer = reconnectTimer(() => {
      this.#timer = null
      // 6.1 If the EventSource's readyState attribute is not set to CONNECTING, then return.
      if (this.#readyState !== CONNECTING) return
      // 6.2–6.4: fetch again, with Last-Event-ID (see #requestInit).
      this.#start()
    }, this.#policy.delay(), { keepAlive: false })
  }

  /** §9.2.3 "fail the connection": CLOSED, error event, no reconnection. */
  #failConnection (message, code, error) {
    if (this.#readyState === CLOSED) return
    this.#readyState = CLOSED
    this.#endConnection()
    this.dispatchEvent(new ErrorEvent('error', { message, code, error }))
  }
}

// WebIDL constants: on the interface object and on the prototype,
// read-only and enumerable.
for (const target of [EventSource, EventSource.prototype]) {
  for (const [name, value] of [['CONNECTING', CONNECTING], ['OPEN', OPEN], ['CLOSED', CLOSED]]) {
    Object.defineProperty(target, name, { value, enumerable: true, writable: false, configurable: false })
  }
}
// WebIDL attributes and operations are enumerable.
makeMembersEnumerable(EventSource.prototype,
  ['url', 'withCredentials', 'readyState', 'onopen', 'onmessage', 'onerror', 'close'])
defineClassString(EventSource.prototype, 'EventSource')
// The npm `eventsource` package's marker that `init.fetch` is honoured;
// libraries check it before passing one.
Object.defineProperty(EventSource, Symbol.for('eventsource.supports-fetch-override'), { value: true })

module.exports = { EventSource, ErrorEvent }
