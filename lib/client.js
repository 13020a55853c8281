'use strict'
// Client: settings plus a connection pool of its own. The default client
// serves the top-level fetch().

const { binding } = require('./native')
const { msOption } = require('./options')
const { retryOption } = require('./retry')
const { Headers, rawHeaderList } = require('./headers')
const { fetchWith } = require('./fetch')
const { uploadWith } = require('./upload')
const { EventStream } = require('./events')
const { eventsOfResponse } = require('./response')
const { withEnvironmentTls } = require('./tls-env')

const kNative = Symbol('ferrofetch.client.native')
const kDefaults = Symbol('ferrofetch.client.defaults')
const kClientFor = Symbol('ferrofetch.client.for')
const kBrand = Symbol.for('ferrofetch.client')

const HTTP_POLICIES = new Set(['auto', 'http1', 'http2'])
const PROXY_SCHEMES = new Set(['http:', 'https:', 'socks5:', 'socks5h:'])

/** `proxy`: undefined (from HTTP(S)_PROXY / NO_PROXY), false (none), or a URL. */
function proxyOption (proxy) {
  if (proxy === undefined || proxy === null) return {}
  if (proxy === false) return { noProxy: true }
  const text = proxy instanceof URL ? proxy.href : proxy
  if (typeof text !== 'string') throw new TypeError("Client: 'proxy' must be a URL string, a URL, or false")
  let url
  try {
    url = new URL(text)
  } catch (cause) {
    throw new TypeError(`Client: 'proxy' is not a valid URL: ${text}`, { cause })
  }
  if (!PROXY_SCHEMES.has(url.protocol)) {
    throw new TypeError(`Client: proxy scheme ${url.protocol} is not http:, https:, socks5: or socks5h:`)
  }
  return { proxyUrl: url.href }
}

function pemList (value, name) {
  const list = Array.isArray(value) ? value : [value]
  return list.map((pem) => {
    if (typeof pem === 'string') return pem
    if (pem instanceof Uint8Array) return Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength).toString('latin1')
    throw new TypeError(`Client: 'tls.${name}' must be PEM text (string or Buffer)`)
  })
}

/** `tls`: { ca, cert, key, dangerouslyAcceptInvalidCertificates }. */
function tlsOption (tls) {
  if (tls === undefined || tls === null) return {}
  if (typeof tls !== 'object') throw new TypeError("Client: 'tls' must be an object")
  const out = {}
  if (tls.ca !== undefined) out.ca = pemList(tls.ca, 'ca')
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new TypeError("Client: 'tls.cert' and 'tls.key' go together")
  }
  if (tls.cert !== undefined) {
    out.cert = pemList(tls.cert, 'cert').join('\n')
    out.key = pemList(tls.key, 'key').join('\n')
  }
  const insecure = tls.dangerouslyAcceptInvalidCertificates
  if (insecure !== undefined) {
    if (typeof insecure !== 'boolean') {
      throw new TypeError("Client: 'tls.dangerouslyAcceptInvalidCertificates' must be a boolean")
    }
    out.dangerouslyAcceptInvalidCertificates = insecure
  }
  return out
}

/** `headers`: anything `new Headers()` takes; its errors name the option. */
function headersOption (headers) {
  if (headers === undefined) return undefined
  try {
    return rawHeaderList(new Headers(headers))
  } catch (cause) {
    throw new TypeError(`Client: 'headers' is invalid: ${cause.message}`, { cause })
  }
}

function countOption (options, name, max) {
  const value = options[name]
  if (value === undefined || value === null) return undefined
  if (!Number.isInteger(value)) throw new TypeError(`Client: '${name}' must be an integer`)
  if (value < 0 || value > max) throw new RangeError(`Client: '${name}' must be between 0 and ${max}`)
  return value
}

class Client {
  /**
   * @param {object} [options]
   * @param {number} [options.timeout] default whole-request limit, ms
   * @param {number} [options.connectTimeout] default connect limit, ms
   * @param {number} [options.readTimeout] default body silence limit, ms
   * @param {number} [options.poolIdleTimeout] idle connections close after, ms
   * @param {number} [options.poolMaxIdlePerHost] idle connections kept per host
   * @param {number} [options.maxRedirections] redirects followed (default 20)
   * @param {string} [options.userAgent] User-Agent when a request has none
   * @param {number|object} [options.retry] default `retry` of its requests (lib/retry.js)
   * @param {number} [options.eventTimeout] default longest gap between events, ms
   */
  constructor (options = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('Client: options must be an object')
    }
    const defaults = {
      timeout: msOption(options, 'timeout', 'Client'),
      connectTimeout: msOption(options, 'connectTimeout', 'Client'),
      readTimeout: msOption(options, 'readTimeout', 'Client'),
      retry: retryOption(options.retry, 'Client'),
      eventTimeout: msOption(options, 'eventTimeout', 'Client')
    }
    const userAgent = options.userAgent
    if (userAgent !== undefined && (typeof userAgent !== 'string' || /[\0\r\n]/.test(userAgent))) {
      throw new TypeError("Client: 'userAgent' must be a string without NUL, CR or LF")
    }
    if (options.decompress !== undefined && typeof options.decompress !== 'boolean') {
      throw new TypeError("Client: 'decompress' must be a boolean")
    }
    if (options.http !== undefined && !HTTP_POLICIES.has(options.http)) {
      throw new TypeError("Client: 'http' must be 'auto', 'http1' or 'http2'")
    }
    this[kDefaults] = defaults
    this[kClientFor] = (parts) => {
      const client = parts.client ?? this
      return { native: client[kNative], defaults: client[kDefaults] }
    }
    this[kNative] = newNativeClient({
      connectTimeout: defaults.connectTimeout ?? undefined,
      poolIdleTimeout: msOption(options, 'poolIdleTimeout', 'Client') ?? undefined,
      poolMaxIdlePerHost: countOption(options, 'poolMaxIdlePerHost', 0xffffffff),
      maxRedirects: countOption(options, 'maxRedirections', 0xffffffff),
      userAgent,
      decompress: options.decompress,
      http: options.http,
      ...proxyOption(options.proxy),
      ...withEnvironmentTls(tlsOption(options.tls)),
      defaultHeaders: headersOption(options.headers)
    })
  }

  /** fetch() through this client's pool and defaults. */
  fetch (input, init = undefined) {
    return fetchWith(this[kClientFor], input, init)
  }

  /**
   * A request whose body is written while it is sent: returns
   * `{ writable, response }`.
   */
  upload (input, init = undefined) {
    return uploadWith(this[kClientFor], input, init ?? {})
  }

  /**
   * A reconnecting async iterator of Server-Sent Events; `init` is a fetch
   * init plus `retry`, `maxRetryDelay`, `maxSize` and `lastEventId`.
   */
  events (input, init = undefined) {
    return new EventStream((i, o) => this.fetch(i, o), eventsOfResponse, input, init ?? {})
  }

  /** Closes idle connections; later requests fail with ERR_FF_CLIENT_CLOSED. */
  close () {
    this[kNative].close()
  }

  /** True once close() was called. */
  get closed () {
    return this[kNative].closed
  }

  get [Symbol.toStringTag] () { return 'Client' }
}

Object.defineProperty(Client.prototype, kBrand, { value: true })

/** The native client; its TLS or proxy errors become TypeErrors. */
function newNativeClient (options) {
  try {
    return new binding.NativeClient(options)
  } catch (err) {
    throw new TypeError(`Client: ${err.message}`)
  }
}

let defaultClient = null
/** The client behind the top-level functions, made on first use. */
function getDefaultClient () {
  if (defaultClient === null) defaultClient = new Client()
  return defaultClient
}

/** Top-level fetch: the request's `client` option, or the default client. */
function fetch (input, init = undefined) {
  return getDefaultClient().fetch(input, init)
}

/**
 * Top-level fetch that hands its PendingExchange to `onExchange` (see
 * fetchWith): EventSource's way to abort its own connections without an
 * AbortSignal for each.
 */
function fetchWithExchange (input, init, onExchange) {
  return fetchWith(getDefaultClient()[kClientFor], input, init, onExchange)
}

/** Top-level upload() through the default client (or `init.client`). */
function upload (input, init = undefined) {
  return getDefaultClient().upload(input, init)
}

/** Top-level events() through the default client (or `init.client`). */
function events (input, init = undefined) {
  return getDefaultClient().events(input, init)
}

module.exports = { Client, fetch, upload, events, getDefaultClient, fetchWithExchange }
