'use strict'
// blob: URLs (Fetch §4.2 "scheme fetch", "blob"): the Blob that
// URL.createObjectURL() registered, resolved through Node's own registry.

const { resolveObjectURL } = require('node:buffer')

// Fetch "parse a single range header value" with allowWhitespace true:
// "bytes", optional tabs/spaces, "=", start digits, "-", end digits.
const SINGLE_RANGE = /^bytes[\t ]*=[\t ]*(\d*)[\t ]*-[\t ]*(\d*)$/

/**
 * The parsed `Range` value: [start, end] with null for a missing side, or
 * null for failure.
 */
function parseSingleRange (value) {
  const match = SINGLE_RANGE.exec(value)
  if (match === null) return null
  const start = match[1] === '' ? null : Number(match[1])
  const end = match[2] === '' ? null : Number(match[2])
  // 17–18. Both sides missing, or start after end, is failure.
  if (start === null && end === null) return null
  if (start !== null && end !== null && start > end) return null
  return [start, end]
}

/**
 * Fetch "scheme fetch" for blob: the response's parts, or a string saying
 * why the fetch is a network error.
 * @param {string} method
 * @param {string} href
 * @param {string|null} range  the request's `Range` header
 * @returns {{ status: number, statusText: string, headers: string[], blob: Blob } | string}
 */
function resolveBlobUrl (method, href, range) {
  // 2. "If request's method is not `GET` or blobURLEntry is null, then
  // return a network error." Node's registry drops revoked URLs.
  const blob = method === 'GET' ? resolveObjectURL(href) : undefined
  if (blob === undefined) return method === 'GET' ? 'unknown or revoked blob URL' : 'invalid method'
  const fullLength = blob.size
  // 10. No `Range`: the whole blob, with its size and type.
  if (range === null) {
    return {
      status: 200,
      statusText: 'OK',
      headers: ['content-length', String(fullLength), 'content-type', blob.type],
      blob
    }
  }
  // 11. A single byte range, or a network error.
  const parsed = parseSingleRange(range)
  if (parsed === null) return 'invalid range header'
  let [start, end] = parsed
  if (start === null) {
    // RFC 9110 §14.1.1: a suffix of zero bytes, or of an empty blob, cannot
    // be satisfied (Fetch's steps would make a range that ends before it starts).
    if (end === 0 || fullLength === 0) return 'range not satisfiable'
    // 11.6 A suffix: the last `end` bytes (all of them when it is longer).
    start = Math.max(fullLength - end, 0)
    end = fullLength - 1
  } else {
    if (start >= fullLength) return "range start is greater than the blob's size"
    if (end === null || end >= fullLength) end = fullLength - 1
  }
  const sliced = blob.slice(start, end + 1, blob.type)
  return {
    status: 206,
    statusText: 'Partial Content',
    headers: [
      'content-length', String(sliced.size),
      'content-type', blob.type,
      'content-range', `bytes ${start}-${end}/${fullLength}`
    ],
    blob: sliced
  }
}

module.exports = { resolveBlobUrl }
