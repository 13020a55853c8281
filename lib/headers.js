'use strict'

// WHATWG Fetch `Headers` (https://fetch.spec.whatwg.org/#headers-class), with
// WebIDL argument conversion and pair-iterator semantics.
//
// Every response builds one of these, so the representation is cheap:
// - #list: flat [name, value, ...] in insertion order, names as given (sent).
// - #lower: lower-cased names, one per header; null while every name in #list
//   is already lower-case (always so for network lists, which are adopted).
// - #sorted: lazy "sort and combine" result, dropped on mutation and never
//   mutated in place, so instances and iterators may share it.
// Guards: only 'immutable' has an effect; forbidden request/response header
// names are deliberately not enforced, matching Node's own fetch.

const kBrand = Symbol.for('ferrofetch.headers')
const kInspect = Symbol.for('nodejs.util.inspect.custom')
const GUARDS = ['none', 'request', 'response', 'immutable']
const { isHeaderName, isHeaderValue, normalizeValue, isObject, describe, toByteString, invalidName } = require('./header-validation')
const { toPairSequence, toRecord, ArrayIteratorPrototype, arrayIterator, arrayIteratorNext } = require('./headers-init')

// Filled in by the static blocks below; they are the only code that can
// touch the private fields from outside a method.
let local = null
let createIterator = null

// WebIDL operation prologue: brand check on `this`, then argument count.
function enter (self, count, required, context) {
  if (!local.is(self)) throw new TypeError(`${context}: Illegal invocation (receiver is not a Headers object).`)
  if (count < required) {
    throw new TypeError(`${context}: ${required} argument${required === 1 ? '' : 's'} required, but only ${count} present.`)
  }
}

class Headers {
  #list = []
  #lower = null
  #guard = 'none'
  #sorted = null

  constructor (init = undefined) {
    // Fetch §5.2 "new Headers(init)": 1. Set this's guard to "none" (the
    // field default). 2. If init is given, then fill this with init.
    if (init !== undefined) fill(this, init, 'Headers constructor')
  }

  append (name, value) {
    const context = 'Headers.append'
    enter(this, arguments.length, 2, context)
    name = toByteString(name, context, 'name')
    value = toByteString(value, context, 'value')
    this.#append(name, value, context)
  }

  delete (name) {
    const context = 'Headers.delete'
    enter(this, arguments.length, 1, context)
    name = toByteString(name, context, 'name')
    // Fetch §5.2 "delete": 1. If validating (name, ``) for this returns
    // false, then return. (Validation throws for a bad name or immutable.)
    this.#validate(name, '', context)
    // 2. (request-no-cors only; not supported.)
    // 3. If this's header list does not contain name, then return.
    // 4. Delete name from this's header list.
    this.#removeFrom(0, name.toLowerCase())
  }

  get (name) {
    const context = 'Headers.get'
    enter(this, arguments.length, 1, context)
    name = toByteString(name, context, 'name')
    // Fetch §5.2 "get": 1. If name is not a header name, throw a TypeError.
    if (!isHeaderName(name)) throw invalidName(context, name)
    // 2. Return the result of getting name from this's header list:
    // every matching value, in order, separated by 0x2C 0x20; null if none.
    const lname = name.toLowerCase()
    const list = this.#list
    let result = null
    for (let i = 0; i < list.length; i += 2) {
      if (this.#lowerAt(i) === lname) result = result === null ? list[i + 1] : result + ', ' + list[i + 1]
    }
    return result
  }

  getSetCookie () {
    enter(this, 0, 0, 'Headers.getSetCookie')
    // Fetch §5.2 "getSetCookie": 1. If this's header list does not contain
    // `Set-Cookie`, return « ». 2. Return the values of all headers whose name
    // is a byte-case-insensitive match for `Set-Cookie`, in order.
    const values = []
    for (let i = 0; i < this.#list.length; i += 2) if (this.#lowerAt(i) === 'set-cookie') values.push(this.#list[i + 1])
    return values
  }

  has (name) {
    const context = 'Headers.has'
    enter(this, arguments.length, 1, context)
    name = toByteString(name, context, 'name')
    // Fetch §5.2 "has": 1. If name is not a header name, throw a TypeError.
    if (!isHeaderName(name)) throw invalidName(context, name)
    // 2. Return true if this's header list contains name; otherwise false.
    return this.#indexOf(name.toLowerCase()) !== -1
  }

  set (name, value) {
    const context = 'Headers.set'
    enter(this, arguments.length, 2, context)
    name = toByteString(name, context, 'name')
    value = toByteString(value, context, 'value')
    // Fetch §5.2 "set": 1. Normalize value.
    value = normalizeValue(value)
    // 2. If validating (name, value) for this returns false, then return.
    this.#validate(name, value, context)
    // 3./5. (request-no-cors only; not supported.)
    // 4. Set (name, value) in this's header list (Fetch §2.2.2 "set"):
    // if list contains name, set the first such header's value and remove
    // the others (the first keeps its casing); otherwise append.
    const lname = name.toLowerCase()
    const first = this.#indexOf(lname)
    if (first === -1) {
      this.#listAppend(name, lname, value)
    } else {
      this.#list[first + 1] = value
      this.#sorted = null
      this.#removeFrom(first + 2, lname)
    }
  }

  // WebIDL pair iterator "forEach": the pairs are re-read after every
  // callback, so mutations made by the callback are observed, never crash.
  forEach (callback, thisArg = undefined) {
    const context = 'Headers.forEach'
    enter(this, arguments.length, 1, context)
    if (typeof callback !== 'function') throw new TypeError(`${context}: argument 1 is not a function.`)
    let pairs = this.#sortAndCombine()
    for (let i = 0; 2 * i < pairs.length; i++) {
      Reflect.apply(callback, thisArg, [pairs[2 * i + 1], pairs[2 * i], this])
      pairs = this.#sortAndCombine()
    }
  }

  // WebIDL pair iterator methods; the iterators read the live pairs (below).
  entries () { enter(this, 0, 0, 'Headers.entries'); return createIterator(this, 'key+value') }
  keys () { enter(this, 0, 0, 'Headers.keys'); return createIterator(this, 'key') }
  values () { enter(this, 0, 0, 'Headers.values'); return createIterator(this, 'value') }

  // Shows what iteration yields (Set-Cookie values as an array).
  [kInspect] (depth, options, inspect = require('node:util').inspect) {
    if (!local.is(this)) return this // e.g. Headers.prototype: default formatting
    if (depth < 0) return options.stylize('[Headers]', 'special')
    const shown = {}
    const pairs = this.#sortAndCombine()
    for (let i = 0; i < pairs.length; i += 2) {
      const value = Object.hasOwn(shown, pairs[i]) ? [].concat(shown[pairs[i]], pairs[i + 1]) : pairs[i + 1]
      // defineProperty, because a header may legitimately be named __proto__.
      Object.defineProperty(shown, pairs[i], { value, enumerable: true, writable: true, configurable: true })
    }
    return `Headers ${inspect(shown, { ...options, depth: options.depth == null ? null : options.depth - 1 })}`
  }

  // Fetch §5.2 "append" (to a Headers object), after WebIDL conversion.
  #append (name, value, context) {
    // 1. Normalize value.
    value = normalizeValue(value)
    // 2. If validating (name, value) for headers returns false, then return.
    this.#validate(name, value, context)
    // 3./5. (request-no-cors only; not supported.)
    // 4. Append (name, value) to headers's header list.
    this.#listAppend(name, name.toLowerCase(), value)
  }

  // Fetch §5.2 "validate". Never returns false here: steps 3-4 (forbidden
  // request-header / response-header names) are intentionally not enforced.
  #validate (name, value, context) {
    // 1. If name is not a header name or value is not a header value, then
    // throw a TypeError.
    if (!isHeaderName(name)) throw invalidName(context, name)
    if (!isHeaderValue(value)) throw new TypeError(`${context}: ${describe(value)} is an invalid header value.`)
    // 2. If headers's guard is "immutable", then throw a TypeError.
    if (this.#guard === 'immutable') throw new TypeError(`${context}: headers are immutable.`)
  }

  #lowerAt (i) { return this.#lower === null ? this.#list[i] : this.#lower[i >> 1] }

  // Index in #list of the first header named lname, or -1.
  #indexOf (lname) {
    for (let i = 0; i < this.#list.length; i += 2) if (this.#lowerAt(i) === lname) return i
    return -1
  }

  // Fetch §2.2.2 header list "append".
  #listAppend (name, lname, value) {
    // 1. If list contains name, then set name to the first such header's
    // name. (This reuses the casing of the name of the header already there.)
    const first = this.#indexOf(lname)
    if (first !== -1) {
      name = this.#list[first]
    } else if (this.#lower === null && name !== lname) {
      // First mixed-case name: start tracking lower-case names separately.
      this.#lower = []
      for (let i = 0; i < this.#list.length; i += 2) this.#lower.push(this.#list[i])
    }
    // 2. Append (name, value) to list.
    this.#list.push(name, value)
    if (this.#lower !== null) this.#lower.push(lname)
    this.#sorted = null
  }

  // Remove every header named lname at or after flat index `start`,
  // compacting in place (one pass, no per-removal splice).
  #removeFrom (start, lname) {
    const list = this.#list
    const lower = this.#lower
    let write = start
    for (let read = start; read < list.length; read += 2) {
      if (this.#lowerAt(read) === lname) continue
      if (write !== read) {
        list[write] = list[read]
        list[write + 1] = list[read + 1]
        if (lower !== null) lower[write >> 1] = lower[read >> 1]
      }
      write += 2
    }
    if (write === list.length) return
    list.length = write
    if (lower !== null) lower.length = write >> 1
    this.#sorted = null
  }

  // Fetch §2.2.2 "sort and combine", cached until the next mutation.
  #sortAndCombine () {
    if (this.#sorted !== null) return this.#sorted
    // One pass groups the values of each lower-case name, in order.
    const grouped = new Map()
    for (let i = 0; i < this.#list.length; i += 2) {
      const values = grouped.get(this.#lowerAt(i))
      if (values === undefined) grouped.set(this.#lowerAt(i), [this.#list[i + 1]])
      else values.push(this.#list[i + 1])
    }
    // 2. Let names be the result of converting header names to a
    // sorted-lowercase set. Names are bytes, so code-unit order is byte order.
    const names = Array.from(grouped.keys()).sort()
    const sorted = []
    for (let i = 0; i < names.length; i++) {
      const values = grouped.get(names[i])
      // 3.1. If name is `set-cookie`: append (name, value) for each value.
      if (names[i] === 'set-cookie') for (let j = 0; j < values.length; j++) sorted.push('set-cookie', values[j])
      // 3.2. Otherwise append (name, the result of getting name), which joins
      // the values with 0x2C 0x20.
      else sorted.push(names[i], values.join(', '))
    }
    return (this.#sorted = sorted)
  }

  static {
    local = {
      is: (value) => typeof value === 'object' && value !== null && #list in value,
      adopt (list, guard) {
        const headers = new Headers()
        headers.#list = list // #lower stays null: network names are lower-case
        headers.#guard = guard
        return headers
      },
      rawList: (headers) => headers.#list,
      getGuard: (headers) => headers.#guard,
      setGuard (headers, guard) { headers.#guard = guard },
      sorted: (headers) => headers.#sortAndCombine(),
      append: (headers, name, value, context) => headers.#append(name, value, context),
      // Fast path of fill from a Headers. The spec appends each iterated
      // (sorted, lower-cased) pair; undici instead copies the source's header
      // list, so a request made from a Headers keeps its names' case and
      // order on the wire (nodejs/undici#3159). We do as undici: one entry per
      // name where it first appeared, values combined as undici's list
      // combines them (`; ` for cookie), set-cookie values kept apart.
      // Values are re-normalized because combining ('x' and '') yields 'x, '.
      copyInOrder (target, source) {
        if (target.#list.length !== 0 || target.#guard === 'immutable') return false
        const list = []
        const lower = source.#lower === null ? null : []
        const firstAt = new Map()
        for (let i = 0; i < source.#list.length; i += 2) {
          const lname = source.#lowerAt(i)
          const at = lname === 'set-cookie' ? undefined : firstAt.get(lname)
          if (at !== undefined) {
            list[at + 1] += (lname === 'cookie' ? '; ' : ', ') + source.#list[i + 1]
            continue
          }
          firstAt.set(lname, list.length)
          list.push(source.#list[i], source.#list[i + 1])
          if (lower !== null) lower.push(lname)
        }
        for (let i = 1; i < list.length; i += 2) list[i] = normalizeValue(list[i])
        target.#list = list
        target.#lower = lower
        target.#sorted = null
        return true
      }
    }
  }
}

// WebIDL: operations are enumerable; @@iterator is the same function as entries.
for (const name of ['append', 'delete', 'get', 'getSetCookie', 'has', 'set', 'forEach', 'entries', 'keys', 'values']) {
  Object.defineProperty(Headers.prototype, name, { enumerable: true })
}
Object.defineProperty(Headers.prototype, Symbol.iterator, {
  value: Headers.prototype.entries, writable: true, enumerable: false, configurable: true
})
Object.defineProperty(Headers.prototype, Symbol.toStringTag, { value: 'Headers', configurable: true })

// WebIDL "default iterator object": target, kind and index; next() re-reads
// the target's current pairs, so mutation during iteration is well defined.
class HeadersIterator {
  #target
  #kind
  #index = 0

  constructor (target, kind) { this.#target = target; this.#kind = kind }

  next () {
    if (!(isObject(this) && #index in this)) {
      throw new TypeError('Headers Iterator.next: Illegal invocation (receiver is not a Headers Iterator).')
    }
    const pairs = local.sorted(this.#target)
    const index = this.#index
    if (2 * index >= pairs.length) return { value: undefined, done: true }
    this.#index = index + 1
    const name = pairs[2 * index]
    const value = pairs[2 * index + 1]
    return { value: this.#kind === 'key' ? name : this.#kind === 'value' ? value : [name, value], done: false }
  }

  static { createIterator = (target, kind) => new HeadersIterator(target, kind) }
}

const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()))
const HeadersIteratorPrototype = HeadersIterator.prototype
delete HeadersIteratorPrototype.constructor
Object.setPrototypeOf(HeadersIteratorPrototype, IteratorPrototype)
Object.defineProperty(HeadersIteratorPrototype, 'next', { enumerable: true })
Object.defineProperty(HeadersIteratorPrototype, Symbol.toStringTag, { value: 'Headers Iterator', configurable: true })

// --- fill (Fetch §5.2) and the HeadersInit union conversion ----------------

const headersEntries = Headers.prototype.entries
const headersIteratorNext = HeadersIteratorPrototype.next

// The copy fast path is only invisible if nothing the spec's iteration would
// call (the source's @@iterator, the iterators' next) was replaced by user code.
function iterationIsPristine (method) {
  return method === headersEntries && HeadersIteratorPrototype.next === headersIteratorNext &&
    Array.prototype[Symbol.iterator] === arrayIterator && ArrayIteratorPrototype.next === arrayIteratorNext
}

// Fetch §5.2 "fill" a Headers object headers with a HeadersInit object.
function fill (headers, object, context) {
  // WebIDL union (sequence or record): must be an object.
  if (!isObject(object)) {
    throw new TypeError(`${context}: init could not be converted to one of: ` +
      'sequence<sequence<ByteString>>, record<ByteString, ByteString>.')
  }
  // GetMethod(V, @@iterator) decides between sequence and record.
  const method = object[Symbol.iterator]
  if (method === undefined || method === null) {
    // 2. Otherwise, object is a record: for each key → value, append.
    const record = toRecord(object, context)
    for (let i = 0; i < record.length; i += 2) local.append(headers, record[i], record[i + 1], context)
    return
  }
  if (typeof method !== 'function') throw new TypeError(`${context}: init[Symbol.iterator] is not a function.`)
  if (local.is(object) && iterationIsPristine(method) && local.copyInOrder(headers, object)) return
  // 1. If object is a sequence, then for each header of object:
  const sequence = toPairSequence(object, method, context)
  for (let i = 0; i < sequence.length; i++) {
    const header = sequence[i]
    // 1.1. If header's size is not 2, then throw a TypeError.
    if (header.length !== 2) {
      throw new TypeError(`${context}: expected name/value pair to be length 2, found ${header.length}.`)
    }
    // 1.2. Append (header[0], header[1]) to headers.
    local.append(headers, header[0], header[1], context)
  }
}

// --- Internal API for the rest of the package -------------------------------

function checkGuard (guard) {
  if (!GUARDS.includes(guard)) throw new TypeError(`Invalid Headers guard: ${String(guard)}`)
}

// What one loaded copy of this module offers the others for its instances.
const protocol = Object.freeze({
  version: 1,
  is: local.is,
  rawHeaderList: local.rawList,
  getGuard: local.getGuard,
  setGuard (headers, guard) { checkGuard(guard); local.setGuard(headers, guard) },
  fillHeaders (headers, init) { fill(headers, init, 'Headers') }
})
Object.defineProperty(Headers.prototype, kBrand, { value: protocol })

// The protocol that owns `value` (this copy's or another copy's), or null.
function protocolFor (value) {
  if (local.is(value)) return protocol
  if (!isObject(value)) return null
  const other = value[kBrand]
  if (isObject(other) && other !== protocol && other.version === 1 && other.is(value)) return other
  return null
}

function expectHeaders (value, what) {
  const impl = protocolFor(value)
  if (impl === null) throw new TypeError(`${what}: argument is not a Headers object.`)
  return impl
}

/** True for a Headers from this or any other loaded copy of this module. */
const isHeaders = (value) => protocolFor(value) !== null

/**
 * Wrap a header list received from the network. `flat` must be
 * [name, value, ...] with valid, lower-case names and valid values; it is
 * adopted, not copied (O(1)), so the caller must not touch it afterwards.
 */
function headersFromRawList (flat, guard = 'none') {
  if (!Array.isArray(flat) || flat.length % 2 !== 0) {
    throw new TypeError('headersFromRawList: expected a flat [name, value, ...] array.')
  }
  checkGuard(guard)
  return local.adopt(flat, guard)
}

/**
 * The live header list, [name, value, ...] in insertion order with names as
 * given, for sending. Not a copy: callers must treat it as read-only and
 * use it before the next mutation of `headers`.
 */
const rawHeaderList = (headers) => expectHeaders(headers, 'rawHeaderList').rawHeaderList(headers)
/** 'none' | 'request' | 'response' | 'immutable' */
const getGuard = (headers) => expectHeaders(headers, 'getGuard').getGuard(headers)
const setGuard = (headers, guard) => expectHeaders(headers, 'setGuard').setGuard(headers, guard)
/** Fetch "fill": append every header of a HeadersInit to `headers` (guard applies). */
const fillHeaders = (headers, init) => expectHeaders(headers, 'fillHeaders').fillHeaders(headers, init)

module.exports = { Headers, isHeaders, headersFromRawList, rawHeaderList, getGuard, setGuard, fillHeaders }
