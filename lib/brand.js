'use strict'
// `instanceof` across loaded copies of ferrofetch. A program can hold two
// copies (two dependencies each bring their own), and an error made by one
// must still be `instanceof` the other's class, as undici's errors are. The
// class's prototype carries a registry symbol (Symbol.for: the same symbol
// in every copy and realm), and `instanceof` checks for it.

/**
 * Makes `value instanceof Class` true for any value whose prototype chain
 * has the brand `key`, whichever copy of ferrofetch made it. A subclass
 * keeps the ordinary prototype check (it has no brand of its own).
 * @param {Function} Class
 * @param {string} key  a name unique to the class, e.g. 'ferrofetch.ParseError'
 */
function brandClass (Class, key) {
  const brand = Symbol.for(key)
  Object.defineProperty(Class.prototype, brand, { value: true })
  Object.defineProperty(Class, Symbol.hasInstance, {
    value: function hasInstance (value) {
      if (this !== Class) return Function.prototype[Symbol.hasInstance].call(this, value)
      return value != null && value[brand] === true
    }
  })
}

module.exports = { brandClass }
