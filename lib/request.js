'use strict'
// WHATWG Fetch §6.4 Request class, and the normalization of fetch's
// (input, init) that both `new Request()` and `fetch()` use. fetch() calls
// `requestParts` directly so that a plain `fetch(url)` builds no Request.

const { Headers, fillHeaders, setGuard, rawHeaderList } = require('./headers')
const { BodyState, extractBody, isUnusable, bodyUsed, streamOf, cloneBody, mixinBody } = require('./body')

const kState = Symbol('ferrofetch.request')
const kBrand = Symbol.for('ferrofetch.request')

// RFC 9110 token: the method's grammar.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])
const REDIRECT_MODES = new Set(['follow', 'error', 'manual'])

function stateOf (request) {
  const state = request?.[kState]
  if (state === undefined) throw new TypeError('Illegal invocation: not a Request')
  return state
}

function isRequest (value) {
  return value !== null && typeof value === 'object' && value[kBrand] === true
}

/** Fetch §2.2.1: validate and normalize a method. */
function normalizeMethod (value) {
  const method = String(value)
  if (!TOKEN.test(method)) throw new TypeError(`'${method}' is not a valid HTTP method.`)
  const upper = method.toUpperCase()
  if (FORBIDDEN_METHODS.has(upper)) throw new TypeError(`'${method}' HTTP method is unsupported.`)
  return NORMALIZED_METHODS.has(upper) ? upper : method
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

/** A duration option in ms: undefined, or a finite number >= 0. */
function durationOption (init, name) {
  const value = init[name]
  if (value === undefined || value === null) return null
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`RequestInit: '${name}' must be a number of milliseconds`)
  }
  if (value < 0 || !Number.isFinite(value)) {
    throw new RangeError(`RequestInit: '${name}' must be a finite number >= 0 (got ${value})`)
  }
  return value
}

function checkSignal (signal) {
  if (signal === undefined || signal === null) return null
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError("RequestInit: 'signal' must be an AbortSignal")
  }
  return signal
}

/**
 * Fetch §6.4 "new Request(input, init)" reduced to what a client needs:
 * validates everything and returns plain parts. Throws TypeError (or
 * RangeError for out-of-range numbers) before any I/O.
 */
function requestParts (input, init) {
  if (init !== undefined && init !== null && typeof init !== 'object') {
    throw new TypeError("RequestInit: 'init' must be an object")
  }
  init = init ?? {}
  let parts
  if (isRequest(input)) {
    const from = input[kState]
    parts = {
      method: from.method,
      url: from.url,
      headers: from.headers,
      body: from.body,
      redirect: from.redirect,
      signal: from.signal,
      duplex: from.duplex,
      timeout: from.timeout,
      connectTimeout: from.connectTimeout,
      readTimeout: from.readTimeout,
      client: from.client,
      inputRequest: input
    }
  } else {
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
      client: null,
      inputRequest: null
    }
  }
  if (init.window !== undefined && init.window !== null) {
    throw new TypeError("RequestInit: 'window' can only be null")
  }
  if (init.mode === 'navigate') throw new TypeError("RequestInit: mode 'navigate' is not allowed")
  if (init.method !== undefined) parts.method = normalizeMethod(init.method)
  if (init.redirect !== undefined) {
    if (!REDIRECT_MODES.has(init.redirect)) {
      throw new TypeError(`RequestInit: '${init.redirect}' is not a valid redirect mode`)
    }
    parts.redirect = init.redirect
  }
  if (init.signal !== undefined) parts.signal = checkSignal(init.signal)
  if (init.duplex !== undefined) {
    if (init.duplex !== 'half') throw new TypeError("RequestInit: duplex must be 'half'")
    parts.duplex = 'half'
  }
  for (const name of ['timeout', 'connectTimeout', 'readTimeout']) {
    if (init[name] !== undefined) parts[name] = durationOption(init, name)
  }
  if (init.client !== undefined && init.client !== null) {
    if (typeof init.client?.fetch !== 'function' || init.client[Symbol.for('ferrofetch.client')] !== true) {
      throw new TypeError("RequestInit: 'client' must be a ferrofetch Client")
    }
    parts.client = init.client
  }
  // Headers: init's replace the input request's.
  const headers = new Headers()
  if (init.headers !== undefined) fillHeaders(headers, init.headers)
  else if (parts.headers !== null) fillHeaders(headers, parts.headers)
  parts.headers = headers

  const initBody = init.body ?? null
  // §6.4 step 35: a GET or HEAD request cannot have a body.
  if ((initBody !== null || (init.body === undefined && parts.body !== null)) &&
      (parts.method === 'GET' || parts.method === 'HEAD')) {
    throw new TypeError('Request with GET/HEAD method cannot have body.')
  }
  if (initBody !== null) {
    const { body, type } = extractBody(initBody)
    if (type !== null && !headers.has('content-type')) headers.append('content-type', type)
    parts.body = body
  } else if (init.body === null) {
    parts.body = null
  } else if (parts.body !== null) {
    // §6.4 step 40: reusing the input request's body makes it unusable there.
    if (isUnusable(parts.body)) throw new TypeError('Cannot construct a Request with a Request object that has already been used.')
    const taken = parts.body
    parts.body = new BodyState({ source: taken.source, stream: taken.stream, length: taken.length })
    taken.used = true
  }
  // §6.4 step 37: a stream body requires duplex 'half'.
  if (parts.body !== null && parts.body.stream !== null && parts.body.source === null && parts.duplex !== 'half') {
    throw new TypeError('RequestInit: duplex option is required when sending a body.')
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
  get referrer () { stateOf(this); return 'about:client' }
  get referrerPolicy () { stateOf(this); return '' }
  get mode () { stateOf(this); return 'cors' }
  get credentials () { stateOf(this); return 'same-origin' }
  get cache () { stateOf(this); return 'default' }
  get integrity () { stateOf(this); return '' }
  get keepalive () { stateOf(this); return false }
  get isReloadNavigation () { stateOf(this); return false }
  get isHistoryNavigation () { stateOf(this); return false }

  get signal () {
    const state = stateOf(this)
    if (state.signal !== null) return state.signal
    // A request without a signal still exposes one that never aborts.
    if (state.ownSignal === null) state.ownSignal = new AbortController().signal
    return state.ownSignal
  }

  get body () {
    const body = stateOf(this).body
    return body === null ? null : streamOf(body)
  }

  get bodyUsed () {
    return bodyUsed(stateOf(this).body)
  }

  clone () {
    const state = stateOf(this)
    if (isUnusable(state.body)) throw new TypeError('Request.clone: Body has already been consumed.')
    const copy = Object.create(Request.prototype)
    const headers = new Headers()
    fillHeaders(headers, state.headers)
    setGuard(headers, 'request')
    copy[kState] = { ...state, headers, body: cloneBody(state.body), ownSignal: null }
    return copy
  }

  get [Symbol.toStringTag] () { return 'Request' }

  static [Symbol.hasInstance] (value) {
    return isRequest(value)
  }
}

Object.defineProperty(Request.prototype, kBrand, { value: true })
mixinBody(Request, stateOf)

/** The flat header list to send for parts. */
function headerListOf (parts) {
  return rawHeaderList(parts.headers)
}

module.exports = { Request, requestParts, headerListOf }
