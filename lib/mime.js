'use strict'
// MIME types (WHATWG MIME Sniffing) and Fetch's header-level steps over them.
// Node's util.MIMEType implements MIME Sniffing §4.4 "parse a MIME type" and
// §4.5 "serialize a MIME type"; every parse in this package goes through here.

const { MIMEType } = require('node:util')

/**
 * MIME Sniffing §4.4 "parse a MIME type".
 * @param {string} value
 * @returns {MIMEType|null}  null: failure
 */
function parseMimeType (value) {
  try {
    return new MIMEType(value)
  } catch {
    return null
  }
}

/**
 * A MIME type's essence ("type/subtype", lower-case), or null when the
 * value is absent or does not parse.
 * @param {string|null} value  e.g. a Content-Type header's value
 */
function mimeEssence (value) {
  if (value === null) return null
  const mime = parseMimeType(value)
  return mime === null ? null : mime.essence
}

/**
 * Fetch §2.2 "get, decode, and split" a combined header value: split at
 * commas outside double quotes, trim tabs and spaces.
 */
function splitHeaderValue (value) {
  const values = []
  let start = 0
  let quoted = false
  // One pass over the characters: bounded by value.length.
  for (let i = 0; i <= value.length; i++) {
    const c = value[i]
    if (i === value.length || (!quoted && c === ',')) {
      values.push(value.slice(start, i).replace(/^[\t ]+|[\t ]+$/g, ''))
      start = i + 1
    } else if (quoted) {
      // A backslash escapes the next character, unless it is the last.
      if (c === '\\' && i + 1 < value.length) i++
      else if (c === '"') quoted = false
    } else if (c === '"') {
      quoted = true
    }
  }
  return values
}

/**
 * Fetch §3.1 "extract a MIME type" from a Headers' Content-Type.
 * @param {Headers} headers
 * @returns {MIMEType|null}  null: failure
 */
function extractMimeType (headers) {
  const combined = headers.get('content-type')
  if (combined === null) return null
  let charset = null
  let essence = null
  let mime = null
  for (const value of splitHeaderValue(combined)) {
    const parsed = parseMimeType(value)
    // 6.2 "If mimeType is failure or its essence is */*, continue."
    if (parsed === null || parsed.essence === '*/*') continue
    mime = parsed
    if (mime.essence !== essence) {
      charset = mime.params.get('charset')
      essence = mime.essence
    } else if (!mime.params.has('charset') && charset !== null) {
      mime.params.set('charset', charset)
    }
  }
  return mime
}

module.exports = { parseMimeType, mimeEssence, extractMimeType }
