'use strict'
// undici's request lifecycle on node:diagnostics_channel, with undici's
// channel names and message shapes (undici docs/api/DiagnosticsChannel.md),
// so that tracers written for Node's fetch (@opentelemetry/
// instrumentation-undici, Sentry, Datadog) trace ferrofetch unchanged.
//
// Only moments the JS layer knows are published, each when it happens:
//   undici:request:create    before the request is handed to the core,
//                            with the headers the core will add listed
//                            (asked of it then, only when someone listens)
//   undici:request:bodySent  for a request with a body, when the core has
//                            handed its last byte to the connection (told
//                            with the head, or later when the server
//                            answered first); without a body, with the
//                            response head (its head was sent, so all of
//                            it was)
//   undici:request:headers   when the response head arrives
//   undici:request:trailers  when the response body has been read to its
//                            end (or at once when it has none)
//   undici:request:error     when the request or its body fails or is
//                            aborted or cancelled
// Each redirect hop is a request of its own, as undici publishes it: the
// core, when observed, reports a redirect before following it and waits for
// the next hop's create (whose subscribers may add headers to that hop).
//
// The client channels, from what the core reports through the same
// crossing (NativeExchange.nextObserved, drained before the head is
// handled, so they come in order):
//   undici:client:beforeConnect  when the core starts a new connection for
//                                the hop (none when a pooled one serves it,
//                                as undici)
//   undici:client:connected      when it is made (TLS included)
//   undici:client:connectError   when it failed, or when the request failed
//                                while it was being made (a connect
//                                timeout, an abort), with that error
//   undici:client:sendHeaders    when the response head (or a redirect's)
//                                arrives: the core does not see hyper write
//                                the head, which it did before, so the head
//                                bounds the moment; `headers` is the head as
//                                it went on the wire (the core reports it)
// `connector` is null (the core connects; there is no JS connector to hand
// over), `socket` a plain object with the addresses a net.Socket has.
//
// The per-chunk channels, only when subscribed as the request starts (or
// its response arrives):
//   undici:request:bodyChunkSent      each request body chunk as it is
//                                     handed to the core (a buffered body
//                                     is one chunk), before sendHeaders
//   undici:request:bodyChunkReceived  each response body chunk as it is
//                                     read from the core (not for events(),
//                                     whose bytes are parsed in the core)

const diagnosticsChannel = require('node:diagnostics_channel')
const { Headers } = require('./headers')
const { fromNative } = require('./errors')
const { CANCELLED } = require('./body')
const { NativeReaderFilter } = require('./native-body')
const { headerListOf } = require('./request')

// Channel objects are looked up once: `hasSubscribers` on them is the
// whole cost of a request nobody observes.
const create = diagnosticsChannel.channel('undici:request:create')
const bodySent = diagnosticsChannel.channel('undici:request:bodySent')
const headers = diagnosticsChannel.channel('undici:request:headers')
const trailers = diagnosticsChannel.channel('undici:request:trailers')
const error = diagnosticsChannel.channel('undici:request:error')
const beforeConnect = diagnosticsChannel.channel('undici:client:beforeConnect')
const connected = diagnosticsChannel.channel('undici:client:connected')
const connectError = diagnosticsChannel.channel('undici:client:connectError')
const sendHeaders = diagnosticsChannel.channel('undici:client:sendHeaders')
const bodyChunkSent = diagnosticsChannel.channel('undici:request:bodyChunkSent')
const bodyChunkReceived = diagnosticsChannel.channel('undici:request:bodyChunkReceived')

/** readInto results (see src/exchange.rs). */
const END = -1
const FAILED = -2
const EMPTY = new Uint8Array(0)

/** Headers undici keeps out of `request.headers` (it sends them itself). */
const UNLISTED = new Set(['host', 'content-length'])

/** undici's error for a bad argument: its name and code are what callers match. */
class InvalidArgumentError extends Error {
  constructor (message) {
    super(message)
    this.name = 'InvalidArgumentError'
    this.code = 'UND_ERR_INVALID_ARG'
  }
}

function invalidHeader (name) {
  return new InvalidArgumentError(`invalid ${name} header`)
}

/**
 * The `request` of every message about one request: the fields undici's
 * Request has that subscribers read (origin, method, path, headers,
 * completed), and addHeader().
 */
class DiagnosticRequest {
  constructor (url, method, headerList, additions) {
    const parsed = new URL(url)
    this.origin = parsed.origin
    this.method = method
    this.path = parsed.pathname + parsed.search
    // Flat [name, value, ...] strings, as undici's request.headers: the
    // request's own, then those the core adds (Node's fetch lists its
    // Accept, User-Agent, Accept-Encoding ... there too).
    this.headers = []
    for (let i = 0; i < headerList.length; i += 2) {
      if (!UNLISTED.has(headerList[i].toLowerCase())) this.headers.push(headerList[i], headerList[i + 1])
    }
    this.additionsAt = this.headers.length
    this.additions = additions
    this.headers.push(...additions)
    this.completed = false
    this.hasBody = false
    this.bodySent = false // bodySent published
    this.sending = null // the native exchange while its body is still being sent after the head
    this.done = false // trailers or error published: nothing follows
    this.connecting = null // connectParams of a connection being made
    this.socket = null // the last connection's socket object
    this.headSent = false // sendHeaders published
  }

  /** A connection attempt the core reports for this hop (`event` from nextObserved). */
  onConnect (event) {
    if (event.state === 'connecting') {
      this.connecting = connectParamsOf(this.origin)
      if (beforeConnect.hasSubscribers) beforeConnect.publish({ connectParams: this.connecting, connector: null })
      return
    }
    const params = this.connecting ?? connectParamsOf(this.origin)
    this.connecting = null
    if (event.state === 'connected') {
      this.socket = socketOf(event.socket)
      if (connected.hasSubscribers) {
        connected.publish({
          connectParams: { ...params, version: event.http2 ? 'h2' : 'h1' },
          connector: null,
          socket: this.socket
        })
      }
    } else if (connectError.hasSubscribers) {
      const failure = reportedError(fromNative(event.error, 'head'))
      connectError.publish({ connectParams: params, connector: null, error: failure })
    }
  }

  /** The hop's head went on the wire (`sent` from the core: its text and connection). */
  onHeadSent (sent) {
    if (this.headSent || sent === null || sent === undefined) return
    this.headSent = true
    if (!sendHeaders.hasSubscribers) return
    const known = this.socket
    const same = known !== null && known.localPort === sent.socket.localPort &&
      known.remotePort === sent.socket.remotePort && known.localAddress === sent.socket.localAddress
    sendHeaders.publish({ request: this, headers: sent.text, socket: same ? known : socketOf(sent.socket) })
  }

  /** A reader of the response body that publishes each chunk read, or `native` when nobody listens. */
  bodyReader (native) {
    return bodyChunkReceived.hasSubscribers ? new ChunkPublishingNative(native, this) : native
  }

  /** A request body chunk was handed to the core for this hop. */
  onChunkSent (chunk) {
    if (!this.done && bodyChunkSent.hasSubscribers) bodyChunkSent.publish({ request: this, chunk: Buffer.from(chunk) })
  }

  /**
   * Adds a header that is sent with the request (OpenTelemetry's
   * `traceparent`). A name or value that could not be sent throws
   * undici's InvalidArgumentError, and nothing is added.
   */
  addHeader (name, value) {
    if (value === undefined) return this
    const values = Array.isArray(value) ? value : [value]
    const pairs = []
    for (const one of values) {
      if (one !== null && typeof one === 'object') throw invalidHeader(name)
      // Validated (and normalized) by our Headers, so that the core never
      // sees a header it would refuse.
      const checked = new Headers()
      try {
        checked.append(name, one === null ? '' : `${one}`)
      } catch {
        throw invalidHeader(name)
      }
      pairs.push(name, checked.get(name))
    }
    this.headers.push(...pairs)
    return this
  }

  /**
   * The flat header list to hand the core as the request's own, given its
   * own `list`: the headers undici keeps out of `request.headers`, then
   * `request.headers` without what the core adds itself (to every hop; a
   * redirect may change them) and without what subscribers added, which
   * goes with this hop alone (addedHeaders()), as undici sends it.
   */
  ownHeaders (list) {
    const out = []
    for (let i = 0; i < list.length; i += 2) {
      if (UNLISTED.has(list[i].toLowerCase())) out.push(list[i], list[i + 1])
    }
    if (!this.untouched()) return out.concat(this.headers)
    return out.concat(this.headers.slice(0, this.additionsAt))
  }

  /**
   * What subscribers added to `request.headers` (with addHeader() or, as
   * tracers written for older undici do, by pushing onto it): sent after
   * the hop's own headers and the core's, on this hop only.
   */
  addedHeaders () {
    if (!this.untouched()) return []
    return this.headers.slice(this.additionsAt + this.additions.length)
  }

  /** True when subscribers left the listed headers as listed (adding only after them). */
  untouched () {
    const { additionsAt: at, additions } = this
    return this.headers.length >= at + additions.length &&
      additions.every((value, i) => this.headers[at + i] === value)
  }

  /**
   * The response head arrived (`head` from the native exchange `native`).
   * A request without a body had all of it sent with its head; one with a
   * body says whether it was sent whole before the head came (a server may
   * answer first, and then it is published when the core has sent it).
   */
  onHead (head, native) {
    if (this.done) return
    this.onHeadSent(head.sent)
    if (!this.hasBody || head.bodySent === true) this.onBodySent()
    else if (head.bodySent === false && native !== null && bodySent.hasSubscribers) {
      this.sending = native
      native.bodySent().then((sent) => { if (sent) this.onBodySent() }, () => {})
    }
    if (headers.hasSubscribers) {
      // undici hands subscribers the raw header bytes: Buffers.
      const raw = new Array(head.headers.length)
      for (let i = 0; i < raw.length; i++) raw[i] = Buffer.from(head.headers[i], 'latin1')
      headers.publish({
        request: this,
        response: { statusCode: head.status, statusText: head.statusText, headers: raw }
      })
    }
  }

  /**
   * The core is about to follow a redirect (`hop` from the native
   * exchange's nextRedirect()): this request ends with its response, and
   * the next hop is a request of its own, created now, before it is sent,
   * as undici publishes each hop. Returns the next hop's request.
   */
  onRedirect (hop) {
    this.onHead(hop, null)
    // The core closes the redirect's body unread: the response is over.
    this.onComplete()
    const next = new DiagnosticRequest(hop.url, hop.method, hop.requestHeaders, [])
    next.hasBody = hop.hasBody
    // A pooled connection serves the next hop as the same socket.
    next.socket = this.socket
    if (create.hasSubscribers) create.publish({ request: next })
    return next
  }

  /** The request body (or, without one, the head) was sent whole. */
  onBodySent () {
    if (this.done || this.bodySent) return
    this.bodySent = true
    if (bodySent.hasSubscribers) bodySent.publish({ request: this })
  }

  /** The response is complete: its body was read to the end, or it has none. */
  onComplete () {
    if (this.done) return
    // The body's end is told on a crossing of its own, which may settle
    // after the response's end: asked now, so that bodySent comes before
    // trailers, as Node's fetch publishes them.
    if (this.sending !== null && this.sending.bodySentNow() === true) this.onBodySent()
    this.sending = null
    this.done = true
    this.completed = true
    // The core does not pass trailers on: there are none to report.
    if (trailers.hasSubscribers) trailers.publish({ request: this, trailers: [] })
  }

  /** The request failed with `err` (as fetch or the body rejects). */
  onError (err) {
    if (this.done) return
    this.done = true
    const reported = reportedError(err)
    // A connection being made when the request failed (the connect
    // timeout, an abort) failed with it, as undici reports it.
    if (this.connecting !== null && connectError.hasSubscribers) {
      connectError.publish({ connectParams: this.connecting, connector: null, error: reported })
    }
    this.connecting = null
    if (error.hasSubscribers) error.publish({ request: this, error: reported })
  }

  /**
   * The response body settled: `how` is CANCELLED, the failure, or null
   * when it ended or failed in the core, which the native exchange (whose
   * state stays final) then tells.
   */
  onBodySettled (native, how) {
    if (this.done) return
    // Cancelled by the consumer: undici aborts the request.
    if (how === CANCELLED) return this.onError(new DOMException('The operation was aborted.', 'AbortError'))
    if (how !== null && how !== undefined) return this.onError(how)
    const status = native.readInto(EMPTY)
    if (status === END) return this.onComplete()
    if (status === FAILED) this.onError(fromNative(native.bodyError(), 'body'))
  }
}

/** The error undici reports for `err` as fetch rejects: the failure itself, not fetch's TypeError around it. */
function reportedError (err) {
  return err instanceof TypeError && err.cause instanceof Error ? err.cause : err
}

/** undici's connectParams for a connection to `origin`. */
function connectParamsOf (origin) {
  const url = new URL(origin)
  return {
    host: url.host,
    hostname: url.hostname,
    protocol: url.protocol,
    port: url.port,
    // Set on connected: undici's connectParams have it, undefined before.
    version: undefined,
    servername: null,
    localAddress: null
  }
}

/** The socket object of the client channels: a net.Socket's address fields (`addresses` from the core). */
function socketOf (addresses) {
  const remote = addresses.remoteAddress ?? undefined
  return {
    remoteAddress: remote,
    remotePort: addresses.remotePort ?? undefined,
    remoteFamily: remote === undefined ? undefined : remote.includes(':') ? 'IPv6' : 'IPv4',
    localAddress: addresses.localAddress ?? undefined,
    localPort: addresses.localPort ?? undefined
  }
}

/**
 * The response body's reader for a request whose chunks are published on
 * undici:request:bodyChunkReceived: the native exchange, with each chunk
 * readInto() delivers published as a Buffer of its own.
 */
class ChunkPublishingNative extends NativeReaderFilter {
  constructor (native, request) {
    super(native)
    this.request = request
  }

  readInto (view) {
    const n = this.native.readInto(view)
    if (n > 0 && bodyChunkReceived.hasSubscribers) {
      bodyChunkReceived.publish({ request: this.request, chunk: Buffer.from(view.subarray(0, n)) })
    }
    return n
  }
}

/** True when someone listens on a channel that needs a request object. */
function observed () {
  return create.hasSubscribers || headers.hasSubscribers || trailers.hasSubscribers ||
    error.hasSubscribers || bodySent.hasSubscribers || beforeConnect.hasSubscribers ||
    connected.hasSubscribers || connectError.hasSubscribers || sendHeaders.hasSubscribers ||
    bodyChunkSent.hasSubscribers || bodyChunkReceived.hasSubscribers
}

/**
 * Publishes `undici:request:create` for a request about to be handed to
 * the core and returns its DiagnosticRequest, or null (building nothing)
 * when nobody listens.
 * @param {object} parts  the request as sent (see request.js requestParts)
 * @param {boolean} hasBody
 * @param {() => string[]} additionsOf  the headers the core adds to its
 *   first hop, flat (asked only here, when someone listens)
 */
function requestCreated (parts, hasBody, additionsOf) {
  if (!observed()) return null
  let additions
  try {
    additions = additionsOf()
  } catch {
    // Arguments the core refuses: start() throws the TypeError for them.
    additions = []
  }
  const request = new DiagnosticRequest(parts.url, parts.method, headerListOf(parts), additions)
  request.hasBody = hasBody
  if (create.hasSubscribers) create.publish({ request })
  return request
}

/** True when someone listens for request body chunks (asked once per request). */
function chunksSentObserved () {
  return bodyChunkSent.hasSubscribers
}

module.exports = { requestCreated, chunksSentObserved }
