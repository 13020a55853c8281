'use strict'

// The WebIDL conversions of HeadersInit's two members, sequence<sequence<
// ByteString>> and record<ByteString, ByteString>; `fill` (in headers.js)
// picks one and appends what it returns.

const { isObject, describe, toByteString } = require('./header-validation')

const ArrayIteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]())
const arrayIterator = Array.prototype[Symbol.iterator]
const arrayIteratorNext = ArrayIteratorPrototype.next

function isPlainArrayIteration (iterable, method) {
  return method === arrayIterator && Array.isArray(iterable) && ArrayIteratorPrototype.next === arrayIteratorNext
}

// WebIDL "create a sequence from an iterable": step the iterator, converting
// each item as it arrives. No IteratorClose on a conversion error (per spec).
function collect (iterable, method, convert, context) {
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

// sequence<sequence<ByteString>>
function toPairSequence (object, method, context) {
  return collect(object, method, (item, index) => {
    if (!isObject(item)) throw new TypeError(`${context}: init[${index}] is not an iterable object.`)
    const itemMethod = item[Symbol.iterator]
    if (typeof itemMethod !== 'function') throw new TypeError(`${context}: init[${index}] is not iterable.`)
    return collect(item, itemMethod, (v, j) => toByteString(v, context, `init[${index}][${j}]`), context)
  }, context)
}

// record<ByteString, ByteString>, as flat [key, value, ...]. Per WebIDL the
// key is converted before the value is read, so an enumerable Symbol key
// throws and a non-enumerable one is skipped.
function toRecord (object, context) {
  const keys = Reflect.ownKeys(object)
  const flat = []
  for (let i = 0; i < keys.length; i++) {
    const desc = Reflect.getOwnPropertyDescriptor(object, keys[i])
    if (desc === undefined || !desc.enumerable) continue
    const key = toByteString(keys[i], context, 'record key')
    flat.push(key, toByteString(object[keys[i]], context, `value of record key ${describe(key)}`))
  }
  return flat
}

module.exports = { toPairSequence, toRecord, ArrayIteratorPrototype, arrayIterator, arrayIteratorNext }
