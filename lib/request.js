'use strict'
// WHATWG Fetch §6.4 Request class, and the normalization of fetch's
// (input, init) that both `new Request()` and `fetch()` use. fetch() calls
// `requestParts` directly so that a plain `fetch(url)` builds no Request.

const { Headers, fillHeaders, setGuard, rawHeaderList } = require('./headers')
const { msOption } = require('./options')
const { BodyState, extractBody, isUnusable, cloneBody, mixinBody } = require('./body')
const { toEnum, toDictionary, toAbortSignalOrNull, makeMembersEnumerable, defineClassString } = require('./webidl')
const { mixinTextStream } = require('./text-stream')

const kState = Symbol('ferrofetch.request')
const kBrand = Symbol.for('ferrofetch.request')

// RFC 9110 token: the method's grammar.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])
// WebIDL enums of RequestInit: any other value is a TypeError.
const ENUMS = {
  redirect: new Set(['follow', 'error', 'manual']),
  mode: new Set(['navigate', 'same-origin', 'no-cors', 'cors']),
  credentials: new Set(['omit', 'same-origin', 'include']),
  cache: new Set(['default', 'no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached']),
  referrerPolicy: new Set(['', 'no-referrer', 'no-referrer-when-downgrade', 'same-origin', 'origin',
    'strict-origin', 'origin-when-cross-origin', 'strict-origin-when-cross-origin', 'unsafe-url']),
  duplex: new Set(['half'])
}
// The members of the standard RequestInit: "init is not empty" when one of
// them is present. Our own options (timeout, client …) do not count.
const INIT_MEMBERS = ['method', 'headers', 'body', 'referrer', 'referrerPolicy', 'mode', 'credentials',
  'cache', 'redirect', 'integrity', 'keepalive', 'signal', 'duplex', 'priority', 'window']
const CORS_SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST'])

function stateOf (request) {
  const state = request?.[kState]
  if (state === undefined) throw new TypeError('Illegal invocation: not a Request')
  return state
}

function isRequest (value) {
  return value !== null && typeof value === 'object' && value[kBrand] === true
}

/**
 * A WHATWG Request made by another implementation (Node's own class, a
 * Request from another realm or package, or another loaded copy of this
 * one): recognised by its attributes, as no state can be shared with it.
 * An object with a string `url` and `method`, `headers`, `signal` and
 * `bodyUsed` is read as one; anything else is a URL to parse, as Fetch's
 * RequestInfo union has it.
 */
function isForeignRequest (value) {
  return value !== null && typeof value === 'object' &&
    typeof value.url === 'string' && typeof value.method === 'string' &&
    value.headers !== null && typeof value.headers === 'object' &&
    'signal' in value && 'bodyUsed' in value
}

/**
 * Bodies taken from a foreign Request, whose source (if it had one) is not
 * visible, mapped to whether its stream was a byte stream: fetch() may then
 * find all their bytes at hand and send them whole (takeForeignBody in
 * fetch.js). Kept when the body moves on to a Request of ours.
 */
const foreignBodies = new WeakMap()

/** For a body from a foreign Request: whether its stream was a byte stream; else undefined. */
function foreignByteStream (body) {
  return body === null ? undefined : foreignBodies.get(body)
}

function isByteStream (stream) {
  try {
    stream.getReader({ mode: 'byob' }).releaseLock()
    return true
  } catch {
    return false
  }
}

/** Fetch §2.2.1: validate and normalize a method. */
function normalizeMethod (value) {
  const method = String(value)
  if (!TOKEN.test(method)) throw new TypeError(`'${method}' is not a valid HTTP method.`)
  const upper = method.toUpperCase()
  if (FORBIDDEN_METHODS.has(upper)) throw new TypeError(`'${method}' HTTP method is unsupported.`)
  // Only these six are upper-cased: 'patch' stays 'patch'.
  return NORMALIZED_METHODS.has(upper) ? upper : method
}

/** A WebIDL enum member of init: its string, or a TypeError. */
function enumOption (init, name) {
  return toEnum(init[name], ENUMS[name], 'RequestInit', name)
}

function parseUrl (input) {
  let url
  try {
    url = new URL(String(input))
  } catch (cause) {
    throw new TypeError(`Failed to parse URL from ${String(input)}`, { cause })
  }
  // §6.4 step 5.3: "If parsedURL includes credentials, then throw a TypeError."
  if (url.username !== '' || url.password !== '') {
    throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${input}`)
  }
  return url.href
}

/**
 * §6.4 step 14: init's referrer as the request's referrer: 'no-referrer',
 * 'client', or a URL. Node has no API base URL and no origin, so a relative
 * referrer is a TypeError and no URL is replaced as cross-origin.
 */
function parseReferrer (value) {
  const referrer = String(value)
  if (referrer === '') return 'no-referrer'
  let url
  try {
    url = new URL(referrer)
  } catch (cause) {
    throw new TypeError(`Referrer "${referrer}" is not a valid URL.`, { cause })
  }
  return url.protocol === 'about:' && url.pathname === 'client' ? 'client' : url.href
}

/** The request's fields that fetch() does not use, as a Request made from a URL has them. */
function defaultExtras () {
  return {
    mode: 'cors',
    credentials: 'same-origin',
    cache: 'default',
    referrer: 'client',
    referrerPolicy: '',
    integrity: '',
    keepalive: false
  }
}

/** A foreign request's enum attribute, or `fallback` when it holds no member of the enum. */
function enumAttribute (input, name, fallback) {
  const value = input[name]
  return typeof value === 'string' && ENUMS[name].has(value) ? value : fallback
}

/** A foreign request's `referrer` attribute as a request's referrer. */
function referrerAttribute (value) {
  if (value === undefined || value === 'about:client') return 'client'
  try {
    return parseReferrer(value)
  } catch {
    return 'client'
  }
}

/**
 * §6.4 step 6 for a Request of another implementation: its attributes are
 * what its request holds, read once. Its body is read through its `body`
 * stream (a WHATWG ReadableStream, or an async iterable, as node-fetch's
 * Request has it).
 */
function foreignParts (input) {
  const extras = defaultExtras()
  // §6.4 step 18: a navigation request's mode is "same-origin" here.
  const mode = input.mode === 'navigate' ? 'same-origin' : input.mode
  extras.mode = ENUMS.mode.has(mode) ? mode : extras.mode
  extras.credentials = enumAttribute(input, 'credentials', extras.credentials)
  extras.cache = enumAttribute(input, 'cache', extras.cache)
  extras.referrerPolicy = enumAttribute(input, 'referrerPolicy', extras.referrerPolicy)
  extras.referrer = referrerAttribute(input.referrer)
  if (typeof input.integrity === 'string') extras.integrity = input.integrity
  extras.keepalive = input.keepalive === true
  const signal = input.signal instanceof AbortSignal ? input.signal : null
  return {
    method: normalizeMethod(input.method),
    url: parseUrl(input.url),
    headers: input.headers,
    body: null,
    redirect: enumAttribute(input, 'redirect', 'follow'),
    signal,
    duplex: enumAttribute(input, 'duplex', null),
    timeout: null,
    connectTimeout: null,
    readTimeout: null,
    decompress: null,
    client: null,
    extras,
    inputRequest: input
  }
}

/** A foreign request's body as a BodyState (null when it has none). */
function foreignBodyOf (input) {
  const stream = input.body
  if (stream === null || stream === undefined) return null
  let body
  if (stream instanceof ReadableStream) {
    body = new BodyState({ stream })
  } else if (typeof stream[Symbol.asyncIterator] === 'function') {
    body = extractBody(stream).body
  } else {
    throw new TypeError('Request body must be a ReadableStream')
  }
  // Another implementation's own account counts too (its body may be used
  // without its stream showing it).
  if (input.bodyUsed === true) body.used = true
  foreignBodies.set(body, stream instanceof ReadableStream && !isUnusable(body) && isByteStream(stream))
  return body
}

/**
 * §6.4 step 41: the input's body moves to the new request. For a new
 * Request, the new body is a new stream carrying the same bytes (§6.4
 * step 41.2 "creating a proxy": piped through an identity transform), so
 * the input keeps its own, now locked and disturbed stream. fetch() never
 * shows its request, so it takes the input's stream itself (no pipe).
 */
function takeInputBody (inputBody, forFetch) {
  if (isUnusable(inputBody)) throw new TypeError('Cannot construct a Request with a Request object that has already been used.')
  let body
  if (inputBody.stream === null || forFetch) {
    body = new BodyState({ source: inputBody.source, stream: inputBody.stream, length: inputBody.length })
  } else {
    const proxy = inputBody.stream.pipeThrough(new TransformStream())
    body = new BodyState({ source: inputBody.source, stream: proxy, length: inputBody.length })
  }
  if (foreignBodies.has(inputBody)) foreignBodies.set(body, foreignBodies.get(inputBody))
  // The input becomes unusable, as if read: its `body` is then its old
  // stream (locked by the pipe), or a spent one if it never made one.
  inputBody.used = true
  return body
}

/** §6.4 steps 13–24: init's members over the input's (the input's copy in `extras`). */
function applyExtras (extras, init, fromRequest) {
  // 13. If init is not empty: the referrer and its policy start over (a
  // request made from a URL has them at those values already).
  if (fromRequest && INIT_MEMBERS.some((name) => init[name] !== undefined)) {
    extras.referrer = 'client'
    extras.referrerPolicy = ''
  }
  if (init.referrer !== undefined) extras.referrer = parseReferrer(init.referrer)
  if (init.referrerPolicy !== undefined) extras.referrerPolicy = enumOption(init, 'referrerPolicy')
  if (init.mode !== undefined) {
    const mode = enumOption(init, 'mode')
    // 17. If mode is "navigate", then throw a TypeError.
    if (mode === 'navigate') throw new TypeError("RequestInit: mode 'navigate' is not allowed")
    extras.mode = mode
  }
  if (init.credentials !== undefined) extras.credentials = enumOption(init, 'credentials')
  if (init.cache !== undefined) extras.cache = enumOption(init, 'cache')
  // 21. "only-if-cached" needs mode "same-origin".
  if (extras.cache === 'only-if-cached' && extras.mode !== 'same-origin') {
    throw new TypeError("RequestInit: cache 'only-if-cached' can be set only with mode 'same-origin'")
  }
  if (init.integrity !== undefined) extras.integrity = String(init.integrity)
  if (init.keepalive !== undefined) extras.keepalive = Boolean(init.keepalive)
  return extras
}

/**
 * Fetch §6.4 "new Request(input, init)" reduced to what a client needs:
 * validates everything and returns plain parts. Throws TypeError (or
 * RangeError for out-of-range numbers) before any I/O.
 * @param {boolean} [forFetch] the parts are fetch()'s, not a new Request's:
 *   an input's body stream is taken as it is
 */
function requestParts (input, init, forFetch = false) {
  init = toDictionary(init, 'RequestInit')
  let parts
  let inputBody = null
  if (isRequest(input) && input[kState] !== undefined) {
    // 6. request is input's request; signal is input's signal.
    const from = input[kState]
    inputBody = from.body
    parts = {
      method: from.method,
      url: from.url,
      headers: from.headers,
      body: null,
      redirect: from.redirect,
      signal: from.signal,
      duplex: from.duplex,
      timeout: from.timeout,
      connectTimeout: from.connectTimeout,
      readTimeout: from.readTimeout,
      decompress: from.decompress,
      client: from.client,
      extras: { ...from.extras },
      inputRequest: input
    }
  } else if (isForeignRequest(input)) {
    parts = foreignParts(input)
    inputBody = foreignBodyOf(input)
  } else {
    // 5. A string or URL: parse it; fallback mode "cors".
    parts = {
      method: 'GET',
      url: parseUrl(input),
      headers: null,
      body: null,
      redirect: 'follow',
      signal: null,
      duplex: null,
      timeout: null,
      connectTimeout: null,
      readTimeout: null,
      decompress: null,
      client: null,
      extras: defaultExtras(),
      inputRequest: null
    }
  }
  // 10. If init["window"] exists and is non-null, then throw a TypeError.
  if (init.window !== undefined && init.window !== null) {
    throw new TypeError("RequestInit: 'window' can only be null")
  }
  applyExtras(parts.extras, init, parts.inputRequest !== null)
  if (init.redirect !== undefined) parts.redirect = enumOption(init, 'redirect')
  if (init.method !== undefined) parts.method = normalizeMethod(init.method)
  if (init.signal !== undefined) parts.signal = toAbortSignalOrNull(init.signal, 'RequestInit')
  if (init.duplex !== undefined) parts.duplex = enumOption(init, 'duplex')
  for (const name of ['timeout', 'connectTimeout', 'readTimeout']) {
    if (init[name] !== undefined) parts[name] = msOption(init, name, 'RequestInit')
  }
  if (init.decompress !== undefined) {
    if (typeof init.decompress !== 'boolean') throw new TypeError("RequestInit: 'decompress' must be a boolean")
    parts.decompress = init.decompress
  }
  if (init.client !== undefined && init.client !== null) {
    if (typeof init.client?.fetch !== 'function' || init.client[Symbol.for('ferrofetch.client')] !== true) {
      throw new TypeError("RequestInit: 'client' must be a ferrofetch Client")
    }
    parts.client = init.client
  }
  // 32. In "no-cors" mode only a CORS-safelisted method may be used.
  if (parts.extras.mode === 'no-cors' && !CORS_SAFELISTED_METHODS.has(parts.method)) {
    throw new TypeError(`'${parts.method}' is unsupported in no-cors mode.`)
  }
  // 33. Headers: init's replace the input request's.
  const headers = new Headers()
  if (init.headers !== undefined) fillHeaders(headers, init.headers)
  else if (parts.headers !== null) fillHeaders(headers, parts.headers)
  parts.headers = headers

  const hasInitBody = init.body !== undefined && init.body !== null
  // 35. A GET or HEAD request cannot have a body, from init or from input.
  if ((hasInitBody || inputBody !== null) && (parts.method === 'GET' || parts.method === 'HEAD')) {
    throw new TypeError('Request with GET/HEAD method cannot have body.')
  }
  if (hasInitBody) {
    // 37. Extract init's body; its type is the default Content-Type.
    const { body, type } = extractBody(init.body, parts.extras.keepalive)
    if (type !== null && !headers.has('content-type')) headers.append('content-type', type)
    // 39.1 A body without a source (a stream) needs init's duplex: "half".
    if (body.source === null && init.duplex === undefined) {
      throw new TypeError('RequestInit: duplex option is required when sending a body.')
    }
    parts.body = body
  } else if (inputBody !== null) {
    // 41. The input's body moves here (init's `body: null` does not drop it).
    parts.body = takeInputBody(inputBody, forFetch)
  }
  return parts
}

class Request {
  /**
   * @param {string|URL|Request} input
   * @param {object} [init]
   */
  constructor (input, init = undefined) {
    if (arguments.length === 0) throw new TypeError('Request constructor: 1 argument required')
    const parts = requestParts(input, init)
    setGuard(parts.headers, 'request')
    parts.ownSignal = null
    this[kState] = parts
  }

  get method () { return stateOf(this).method }
  get url () { return stateOf(this).url }
  get headers () { return stateOf(this).headers }
  get redirect () { return stateOf(this).redirect }
  get duplex () { return stateOf(this).duplex ?? 'half' }
  get destination () { stateOf(this); return '' }
  get referrer () {
    const referrer = stateOf(this).extras.referrer
    if (referrer === 'no-referrer') return ''
    return referrer === 'client' ? 'about:client' : referrer
  }

  get referrerPolicy () { return stateOf(this).extras.referrerPolicy }
  get mode () { return stateOf(this).extras.mode }
  get credentials () { return stateOf(this).extras.credentials }
  get cache () { return stateOf(this).extras.cache }
  get integrity () { return stateOf(this).extras.integrity }
  get keepalive () { return stateOf(this).extras.keepalive }
  get isReloadNavigation () { stateOf(this); return false }
  get isHistoryNavigation () { stateOf(this); return false }

  get signal () {
    const state = stateOf(this)
    // §6.4 steps 29–30: this's signal is a new AbortSignal that follows
    // init's (so it is never init's own object), or one that never aborts.
    // Made on first access: what it reports is the same either way.
    if (state.ownSignal === null) {
      state.ownSignal = state.signal === null ? new AbortController().signal : AbortSignal.any([state.signal])
    }
    return state.ownSignal
  }

  clone () {
    const state = stateOf(this)
    if (isUnusable(state.body)) throw new TypeError('Request.clone: Body has already been consumed.')
    const copy = Object.create(Request.prototype)
    const headers = new Headers()
    fillHeaders(headers, state.headers)
    setGuard(headers, 'request')
    copy[kState] = { ...state, headers, extras: { ...state.extras }, body: cloneBody(state.body), ownSignal: null }
    return copy
  }

  static [Symbol.hasInstance] (value) {
    return isRequest(value)
  }
}

Object.defineProperty(Request.prototype, kBrand, { value: true })
// WebIDL §3.7.3: the class string is a plain data property, as on Node's Request.
defineClassString(Request.prototype, 'Request')
mixinBody(Request, stateOf)
mixinTextStream(Request, stateOf)
// WebIDL: attributes and operations are enumerable.
makeMembersEnumerable(Request.prototype)

/** The flat header list to send for parts. */
function headerListOf (parts) {
  return rawHeaderList(parts.headers)
}

module.exports = { Request, requestParts, headerListOf, foreignByteStream }
