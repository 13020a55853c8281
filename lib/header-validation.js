'use strict'

// Header names and values as Fetch defines them, and the WebIDL ByteString
// conversion every Headers argument goes through.

// --- Byte-level predicates (Fetch §2.2.2) ---------------------------------

// A header name is a token (RFC 9110 §5.6.2): one or more tchar.
const TCHAR = new Uint8Array(128)
for (const ch of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TCHAR[ch.charCodeAt(0)] = 1
}

function isHeaderName (name) {
  if (name.length === 0) return false
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c > 0x7f || TCHAR[c] === 0) return false
  }
  return true
}

// Fetch: a header value has no leading or trailing HTTP tab or space bytes and
// contains no 0x00 NUL or HTTP newline bytes.
const NUL_OR_NEWLINE = /[\0\r\n]/
function isHeaderValue (value) {
  const first = value.charCodeAt(0) // NaN when empty, which passes
  const last = value.charCodeAt(value.length - 1)
  return first !== 0x09 && first !== 0x20 && last !== 0x09 && last !== 0x20 && !NUL_OR_NEWLINE.test(value)
}

function isHTTPWhitespace (c) {
  return c === 0x09 || c === 0x0a || c === 0x0d || c === 0x20
}

// Fetch "normalize": remove leading and trailing HTTP whitespace bytes.
// Returns the same string when there is nothing to strip (the common case).
function normalizeValue (value) {
  let start = 0
  let end = value.length
  while (start < end && isHTTPWhitespace(value.charCodeAt(start))) start++
  while (end > start && isHTTPWhitespace(value.charCodeAt(end - 1))) end--
  return start === 0 && end === value.length ? value : value.slice(start, end)
}

// --- WebIDL conversions -----------------------------------------------------

function isObject (value) {
  return (typeof value === 'object' && value !== null) || typeof value === 'function'
}

// Quote a user string for an error message; JSON escapes control characters
// so a stray CR/LF/NUL is visible, and long values are cut short.
function describe (string) {
  return JSON.stringify(string.length > 80 ? string.slice(0, 80) + '…' : string)
}

const NON_BYTE = /[^\u0000-\u00ff]/ // eslint-disable-line no-control-regex

// WebIDL ByteString: ToString(V), then reject any code unit above U+00FF.
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

function invalidName (context, name) {
  return new TypeError(`${context}: ${describe(name)} is an invalid header name.`)
}

module.exports = { isHeaderName, isHeaderValue, normalizeValue, isObject, describe, toByteString, invalidName }
