'use strict'
// data: URLs (Fetch §4.2 "scheme fetch", "data"): answered without the
// network, through Fetch's "data: URL processor" and Infra's "forgiving-base64
// decode".

const { parseMimeType } = require('./mime')

const encoder = new TextEncoder()
const DEFAULT_TYPE = 'text/plain;charset=US-ASCII'
// Infra "ASCII whitespace": TAB, LF, FF, CR, SPACE.
const ASCII_WHITESPACE = /[\t\n\f\r ]/g
const LEADING_OR_TRAILING_WHITESPACE = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g
const BASE64_ALPHABET = /^[A-Za-z0-9+/]*$/
// "mimeType ends with U+003B (;), followed by zero or more U+0020 SPACE,
// followed by an ASCII case-insensitive match for "base64"".
const BASE64_SUFFIX = /;\u0020*base64$/i

/** URL §1.3 "percent-decode": %XX with two hex digits becomes that byte. */
function percentDecode (bytes) {
  const out = new Uint8Array(bytes.length)
  let length = 0
  // One pass: bounded by bytes.length.
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]
    if (byte === 0x25 && i + 2 < bytes.length && isHexDigit(bytes[i + 1]) && isHexDigit(bytes[i + 2])) {
      out[length++] = parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16)
      i += 2
    } else {
      out[length++] = byte
    }
  }
  return out.subarray(0, length)
}

function isHexDigit (byte) {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
}

/** Infra "forgiving-base64 decode": the bytes, or null for failure. */
function forgivingBase64Decode (text) {
  // 1. Remove all ASCII whitespace from data.
  let data = text.replace(ASCII_WHITESPACE, '')
  // 2. If data's length divides by 4 leaving no remainder, then: if data
  // ends with one or two U+003D (=), remove them.
  if (data.length % 4 === 0) data = data.replace(/={1,2}$/, '')
  // 3. If data's length divides by 4 leaving a remainder of 1, return failure.
  if (data.length % 4 === 1) return null
  // 4. A code point outside the base64 alphabet is failure.
  if (!BASE64_ALPHABET.test(data)) return null
  // 5–8. What is left is plain base64 without padding; Node decodes it as
  // the spec's steps do (trailing bits of a partial group are discarded).
  return new Uint8Array(Buffer.from(data, 'base64'))
}

/**
 * Fetch §4.2 "data: URL processor".
 * @param {string} href  the data: URL, serialized
 * @returns {{ mimeType: string, body: Uint8Array } | null}  null: failure
 */
function processDataUrl (href) {
  // 2. "Let input be the result of running the URL serializer on dataURL
  // with exclude fragment set to true." The first # starts the fragment.
  const hash = href.indexOf('#')
  const input = (hash === -1 ? href : href.slice(0, hash)).slice('data:'.length)
  // 4–5. mimeType: the code points up to the first comma, stripped of
  // leading and trailing ASCII whitespace.
  const comma = input.indexOf(',')
  // 6. "If position is past the end of input, then return failure."
  if (comma === -1) return null
  let mimeType = input.slice(0, comma).replace(LEADING_OR_TRAILING_WHITESPACE, '')
  // 8–9. The rest, percent-decoded (of its UTF-8 bytes).
  let body = percentDecode(encoder.encode(input.slice(comma + 1)))
  // 10. A ";base64" suffix: decode the (isomorphic-decoded) body.
  if (BASE64_SUFFIX.test(mimeType)) {
    const decoded = forgivingBase64Decode(Buffer.from(body).toString('latin1'))
    if (decoded === null) return null
    body = decoded
    // 10.4–10.6. Remove "base64", the spaces before it, and the ";".
    mimeType = mimeType.slice(0, -6).replace(/\u0020+$/, '').slice(0, -1)
  }
  // 11. If mimeType starts with ";", prepend "text/plain".
  if (mimeType.startsWith(';')) mimeType = 'text/plain' + mimeType
  // 12–13. Parse it; failure means text/plain;charset=US-ASCII.
  return { mimeType: serializedMimeType(mimeType), body }
}

/** MIME Sniffing "parse a MIME type" then "serialize", or the default type. */
function serializedMimeType (text) {
  const mime = parseMimeType(text)
  return mime === null ? DEFAULT_TYPE : mime.toString()
}

module.exports = { processDataUrl }
