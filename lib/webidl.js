'use strict'
// WebIDL (https://webidl.spec.whatwg.org/) as the Web classes of this package
// need it: argument and dictionary conversions, and the shape of an
// interface's members. One copy, so that Headers, Request, Response and
// EventSource convert alike and raise the same errors.

// --- Values -----------------------------------------------------------------

/** WebIDL "is an object": what ECMAScript's Type(V) calls Object (functions too). */
function isObject (value) {
  return (typeof value === 'object' && value !== null) || typeof value === 'function'
}

/**
 * Quotes a user string for an error message: JSON escapes control
 * characters so a stray CR/LF/NUL is visible, and long values are cut short.
 */
function describe (string) {
  return JSON.stringify(string.length > 80 ? string.slice(0, 80) + '…' : string)
}

// --- Operations ---------------------------------------------------------------

/**
 * WebIDL §3.7.5 (overload resolution, step 2): fewer arguments than the
 * operation requires is a TypeError.
 * @param {number} count  arguments.length
 * @param {number} required
 * @param {string} context  e.g. 'Headers.append'
 */
function requireArguments (count, required, context) {
  if (count < required) {
    throw new TypeError(`${context}: ${required} argument${required === 1 ? '' : 's'} required, but only ${count} present.`)
  }
}

// --- Conversions (WebIDL §3.2) ------------------------------------------------

const NON_BYTE = /[^\u0000-\u00ff]/ // eslint-disable-line no-control-regex

/**
 * §3.2.10 ByteString: ToString(V), then reject any code unit above U+00FF.
 * @param {string} what  which value, for the message (e.g. 'name')
 */
function toByteString (value, context, what) {
  // String(symbol) would succeed, but ToString(symbol) throws.
  if (typeof value === 'symbol') {
    throw new TypeError(`${context}: ${what} is a Symbol, which cannot be converted to a ByteString.`)
  }
  const string = typeof value === 'string' ? value : String(value)
  const bad = NON_BYTE.exec(string)
  if (bad !== null) {
    const code = string.charCodeAt(bad.index).toString(16).toUpperCase().padStart(4, '0')
    throw new TypeError(`${context}: ${what} ${describe(string)} is not a ByteString: ` +
      `the character at index ${bad.index} is U+${code}, which is greater than U+00FF.`)
  }
  return string
}

/**
 * §3.2.4 `unsigned short` (no [EnforceRange]): truncate toward zero, wrap
 * modulo 2^16, NaN and infinities become 0. So 200.5 is 200 and 65736 is
 * 200, as Node's Response has it.
 */
function toUnsignedShort (value) {
  const n = Math.trunc(Number(value))
  if (!Number.isFinite(n)) return 0
  return ((n % 65536) + 65536) % 65536
}

/**
 * §3.2.18 enumeration: ToString(V) (here String(), so a Symbol reads as
 * its description and fails the membership test), then any value that is
 * not a member is a TypeError.
 * @param {Set<string>} members
 * @param {string} context  the dictionary, e.g. 'RequestInit'
 * @param {string} name  the member that holds it
 */
function toEnum (value, members, context, name) {
  const string = String(value)
  if (!members.has(string)) {
    throw new TypeError(`${context}: '${string}' is not a valid value for '${name}'`)
  }
  return string
}

/**
 * §3.2.19 dictionary: undefined and null are {}; any object (functions
 * too) is read as one, member by member, by the caller.
 * @param {string} context  who takes it, e.g. 'Response constructor'
 */
function toDictionary (value, context) {
  if (value === undefined || value === null) return {}
  if (!isObject(value)) throw new TypeError(`${context}: 'init' must be an object`)
  return value
}

/** An `AbortSignal? signal` member: null when absent, the signal, or a TypeError. */
function toAbortSignalOrNull (value, context) {
  if (value === undefined || value === null) return null
  if (!(value instanceof AbortSignal)) throw new TypeError(`${context}: 'signal' must be an AbortSignal`)
  return value
}

// Array iteration as the engine has it before any user code runs.
const ArrayIteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]())
const arrayIterator = Array.prototype[Symbol.iterator]
const arrayIteratorNext = ArrayIteratorPrototype.next

/** True while nothing has replaced how arrays iterate (so skipping the iterator objects is invisible). */
function arrayIterationIsPristine () {
  return Array.prototype[Symbol.iterator] === arrayIterator && ArrayIteratorPrototype.next === arrayIteratorNext
}

function isPlainArrayIteration (iterable, method) {
  return method === arrayIterator && Array.isArray(iterable) && ArrayIteratorPrototype.next === arrayIteratorNext
}

/**
 * §3.2.21 "create a sequence from an iterable": step the iterator,
 * converting each item as it arrives. No IteratorClose on a conversion
 * error (per spec).
 * @param {Function} method  the iterable's @@iterator, already read
 * @param {(item: *, index: number) => *} convert
 */
function sequenceFrom (iterable, method, convert, context) {
  if (isPlainArrayIteration(iterable, method)) {
    // Same reads as %ArrayIteratorPrototype%.next (length, then index), minus
    // the iterator objects: the common `new Headers([[k, v]])` stays cheap.
    const items = []
    for (let i = 0; i < iterable.length; i++) items.push(convert(iterable[i], i))
    return items
  }
  const iterator = Reflect.apply(method, iterable, [])
  if (!isObject(iterator)) throw new TypeError(`${context}: the iterator is not an object.`)
  const next = iterator.next
  if (typeof next !== 'function') throw new TypeError(`${context}: the iterator's next is not a function.`)
  const items = []
  for (;;) {
    const result = Reflect.apply(next, iterator, [])
    if (!isObject(result)) throw new TypeError(`${context}: the iterator result is not an object.`)
    if (result.done) return items
    items.push(convert(result.value, items.length))
  }
}

/**
 * §3.2.22 record<K, V> with one conversion for keys and values, as flat
 * [key, value, ...]. The key is converted before the value is read, so an
 * enumerable Symbol key throws and a non-enumerable one is skipped.
 * @param {(value: *, context: string, what: string) => *} convert
 */
function recordFrom (object, convert, context) {
  const keys = Reflect.ownKeys(object)
  const flat = []
  for (let i = 0; i < keys.length; i++) {
    const desc = Reflect.getOwnPropertyDescriptor(object, keys[i])
    if (desc === undefined || !desc.enumerable) continue
    const key = convert(keys[i], context, 'record key')
    flat.push(key, convert(object[keys[i]], context, `value of record key ${describe(key)}`))
  }
  return flat
}

// --- Interfaces (WebIDL §3.7) -------------------------------------------------

const NOT_MEMBERS = ['constructor', 'prototype', 'length', 'name']

/**
 * §3.7.6–3.7.7: attributes and operations are enumerable (a class body
 * makes them non-enumerable). By default, every own string-named member of
 * `target` but the function's and prototype's own bookkeeping.
 * @param {object} target  an interface object or its prototype
 * @param {string[]} [names]
 */
function makeMembersEnumerable (target, names = memberNames(target)) {
  for (const name of names) Object.defineProperty(target, name, { enumerable: true })
}

function memberNames (target) {
  return Object.getOwnPropertyNames(target).filter((name) => !NOT_MEMBERS.includes(name))
}

/** §3.7.3: the class string is a plain, non-enumerable, non-writable data property. */
function defineClassString (prototype, name) {
  Object.defineProperty(prototype, Symbol.toStringTag, { value: name, configurable: true })
}

module.exports = {
  isObject,
  describe,
  requireArguments,
  toByteString,
  toUnsignedShort,
  toEnum,
  toDictionary,
  toAbortSignalOrNull,
  arrayIterationIsPristine,
  sequenceFrom,
  recordFrom,
  makeMembersEnumerable,
  defineClassString
}
