'use strict'
// WHATWG Fetch §6.5 Response class, over a native body or any body init.

const { Headers, headersFromRawList, fillHeaders, setGuard, getGuard } = require('./headers')
const { BodyState, extractBody, isUnusable, streamOf, cloneBody, mixinBody } = require('./body')
const { mixinTextStream } = require('./text-stream')
const { eventTimeoutOption, withEventTimeout, defaultEventTimeout } = require('./event-timeout')
const { eventsOfBody } = require('./sse')
const { toUnsignedShort, toDictionary, makeMembersEnumerable } = require('./webidl')
const { checkByteLimit } = require('./options')

const kState = Symbol('ferrofetch.response')
const kBrand = Symbol.for('ferrofetch.response')
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
// RFC 9110 reason-phrase: HTAB, SP, VCHAR, obs-text.
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/

function stateOf (response) {
  const state = response?.[kState]
  if (state === undefined) throw new TypeError('Illegal invocation: not a Response')
  return state
}

class Response {
  /**
   * Fetch §6.5 "new Response(body, init)".
   * @param {*} [body]
   * @param {ResponseInit} [init]
   */
  constructor (body = null, init = {}) {
    init = toDictionary(init, 'Response constructor')
    const headers = new Headers()
    this[kState] = {
      type: 'default',
      status: 200,
      statusText: '',
      urlList: [],
      headers,
      body: null
    }
    let extracted = null
    if (body !== null && body !== undefined) extracted = extractBody(body)
    initializeResponse(this[kState], init, extracted)
    setGuard(headers, 'response')
  }

  /** Fetch "Response.error()": a network error response. */
  static error () {
    const response = blank('error', 0, '')
    setGuard(response[kState].headers, 'immutable')
    return response
  }

  /** Fetch "Response.redirect(url, status)". */
  static redirect (url, status = 302) {
    // 1. Let parsedURL be the result of parsing url with current settings
    // object's API base URL (Node has none).
    let parsed
    try {
      parsed = new URL(String(url))
    } catch (cause) {
      throw new TypeError(`Failed to parse URL from ${url}`, { cause })
    }
    status = toUnsignedShort(status)
    // 3. If status is not a redirect status, then throw a RangeError.
    if (!REDIRECT_STATUSES.has(status)) throw new RangeError(`Invalid status code ${status}`)
    const response = blank('default', status, '')
    response[kState].headers.append('location', parsed.href)
    setGuard(response[kState].headers, 'immutable')
    return response
  }

  /** Fetch "Response.json(data, init)". */
  static json (data, init = {}) {
    init = toDictionary(init, 'Response.json')
    const text = JSON.stringify(data)
    if (text === undefined) throw new TypeError('Value is not JSON serializable')
    const response = new Response(null, init)
    const state = response[kState]
    const extracted = extractBody(text)
    if (NULL_BODY_STATUSES.has(state.status)) {
      throw new TypeError(`Response with status ${state.status} cannot have a body`)
    }
    state.body = extracted.body
    setGuard(state.headers, 'none')
    if (!state.headers.has('content-type')) state.headers.append('content-type', 'application/json')
    setGuard(state.headers, 'response')
    return response
  }

  get type () { return stateOf(this).type }

  get url () {
    const list = stateOf(this).urlList
    if (list.length === 0) return ''
    // "serialized with exclude fragment set to true"
    const url = list[list.length - 1]
    const hash = url.indexOf('#')
    return hash === -1 ? url : url.slice(0, hash)
  }

  get redirected () { return stateOf(this).urlList.length > 1 }
  get status () { return stateOf(this).status }
  get ok () {
    const status = stateOf(this).status
    return status >= 200 && status <= 299
  }

  get statusText () { return stateOf(this).statusText }
  get headers () { return stateOf(this).headers }

  /** Fetch "clone()": both copies can be read independently. */
  clone () {
    const state = stateOf(this)
    if (isUnusable(state.body)) throw new TypeError('Response.clone: Body has already been consumed.')
    const copy = blank(state.type, state.status, state.statusText)
    const copyState = copy[kState]
    copyState.urlList = state.urlList.slice()
    fillHeaders(copyState.headers, state.headers)
    // "clone a response" keeps the headers' guard: a network response's
    // clone is as immutable as the original.
    setGuard(copyState.headers, getGuard(state.headers))
    copyState.body = cloneBody(state.body)
    // A teed native body still fails the original's stream on abort, which
    // errors both branches; nothing more to wire.
    return copy
  }

  /**
   * The body parsed as Server-Sent Events (HTML §9.2.6), once, without
   * reconnection: an async iterator of `{ event, data, id, retry? }`. A
   * fetched body is parsed in Rust; its bytes never cross to JS.
   * @param {{ maxSize?: number, eventTimeout?: number }} [options]  byte
   *   limit for a line or event; longest wait for an event (ms), after which
   *   the iterator rejects with a TimeoutError (ERR_FF_EVENT_TIMEOUT)
   */
  events (options = {}) {
    return eventsOfResponse(this, options)
  }

  get [Symbol.toStringTag] () { return 'Response' }

  static [Symbol.hasInstance] (value) {
    return value !== null && typeof value === 'object' && value[kBrand] === true
  }
}

Object.defineProperty(Response.prototype, kBrand, { value: true })
mixinBody(Response, stateOf)
mixinTextStream(Response, stateOf)
// WebIDL: attributes, operations and static operations are enumerable.
makeMembersEnumerable(Response)
makeMembersEnumerable(Response.prototype)

/** Fetch "initialize a response". */
function initializeResponse (state, init, extracted) {
  const status = init.status === undefined ? 200 : toUnsignedShort(init.status)
  // 1. If init["status"] is not in the range 200 to 599, inclusive, throw a RangeError.
  if (status < 200 || status > 599) {
    throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive (got ${String(init.status)})`)
  }
  // 2. If init["statusText"] does not match the reason-phrase token production, throw a TypeError.
  const statusText = init.statusText === undefined ? '' : String(init.statusText)
  if (!REASON_PHRASE.test(statusText)) throw new TypeError('Invalid statusText')
  state.status = status
  state.statusText = statusText
  if (init.headers !== undefined) fillHeaders(state.headers, init.headers)
  if (extracted !== null) {
    // 6.1 If response's status is a null body status, throw a TypeError.
    if (NULL_BODY_STATUSES.has(status)) {
      throw new TypeError(`Response with status ${status} cannot have a body`)
    }
    state.body = extracted.body
    // 6.3 If body's type is non-null and response's header list does not
    // contain `Content-Type`, append (`Content-Type`, body's type).
    if (extracted.type !== null && !state.headers.has('content-type')) {
      state.headers.append('content-type', extracted.type)
    }
  }
}

function blank (type, status, statusText) {
  const response = Object.create(Response.prototype)
  response[kState] = {
    type,
    status,
    statusText,
    urlList: [],
    headers: new Headers(),
    body: null
  }
  return response
}

/**
 * A head as `takeHead()` returns it: a plain head comes as one string of
 * '\n'-separated lines (src/convert.rs HeadForJs: each header's name and
 * value, then status text, URL, redirected as 1/0, status), anything else
 * (a failure, an observed request's head) as the object itself. One split
 * here costs less than the object and a string per header made by the
 * binding.
 * @param {string|object} head
 * @returns {object}  NativeHead's shape
 */
function headFromNative (head) {
  if (typeof head !== 'string') return head
  // The fixed lines come last, so what is left is the flat header list.
  const headers = head.split('\n')
  const status = Number(headers.pop())
  const redirected = headers.pop() === '1'
  const url = headers.pop()
  const statusText = headers.pop()
  return { status, statusText, url, redirected, headers }
}

/**
 * The Response for a native response head, made without the constructor's
 * validation (the network's data is already well-formed).
 * @param {object} head  NativeHead
 * @param {object|null} native  NativeExchange, or null for a bodiless response
 * @param {string[]} urlList  request URL(s); the final URL is appended
 */
function fromNative (head, native, requestUrl) {
  const response = Object.create(Response.prototype)
  const headers = headersFromRawList(head.headers, 'immutable')
  // A decoded body's length is not the Content-Length, which counts the
  // encoded bytes (kept in the headers, as Fetch has them).
  const lengthHeader = headers.has('content-encoding') ? null : headers.get('content-length')
  response[kState] = {
    type: 'basic',
    status: head.status,
    statusText: head.statusText,
    urlList: head.redirected ? [requestUrl, head.url] : [head.url],
    headers,
    body: native === null
      ? null
      : new BodyState({ native, length: lengthHeader === null ? null : Number(lengthHeader) })
  }
  return response
}

/**
 * Sets the body of a Response made by fromNative: for bodies that are not
 * a native stream (a data: or blob: URL's, a body verified for `integrity`).
 * @param {BodyState|null} body
 */
function setBody (response, body) {
  stateOf(response).body = body
}

/** The BodyState of a Response (for fetch's abort wiring). */
function bodyOf (response) {
  return stateOf(response).body
}

/**
 * The events of a response: ours parse natively, a foreign Response (from a
 * custom fetch) through its body stream.
 */
function eventsOfResponse (response, options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('events: options must be an object')
  checkByteLimit(options.maxSize, 'maxSize', 'events')
  // An explicit eventTimeout (null or 0 included: none) beats the client's default.
  const explicit = options.eventTimeout !== undefined
  const eventTimeout = explicit ? eventTimeoutOption(options, 'events') : null
  if (response?.[kState] !== undefined) {
    const body = response[kState].body
    if (isUnusable(body)) throw new TypeError('Body is unusable: Body has already been read')
    return eventsOfBody(body, streamOf, withEventTimeout(options, explicit ? eventTimeout : defaultEventTimeout(body)))
  }
  if (response?.bodyUsed) throw new TypeError('Body is unusable: Body has already been read')
  const stream = response?.body ?? null
  return eventsOfBody(stream === null ? null : new BodyState({ stream }), streamOf, withEventTimeout(options, eventTimeout))
}

module.exports = { Response, fromNative, headFromNative, bodyOf, eventsOfResponse, NULL_BODY_STATUSES }
module.exports.setBody = setBody
