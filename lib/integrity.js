'use strict'
// Subresource Integrity for fetch's `integrity` (Fetch §4.1 "main fetch"
// step 22, SRI §3.3 "Does response match metadataList?"): the whole body
// is read and hashed before fetch() resolves, and a mismatch is a network
// error.

const { bodyOf, setBody } = require('./response')
const { BodyState, consumeBytes } = require('./body')
const { abortReason, networkError } = require('./errors')
const { codes } = require('./codes')
// SRI's hash algorithms, weakest first: "get the strongest metadata" keeps
// the items of the one furthest down this list.
const ALGORITHMS = ['sha256', 'sha384', 'sha512']

/**
 * SRI §3.3.3 "parse metadata": the recognised items of a metadata string
 * as { alg, val }. Options after "?" are ignored; an unknown algorithm is
 * skipped. The value is everything after the algorithm's "-" (a base64url
 * digest has "-" in it too).
 */
function parseMetadata (metadata) {
  const result = []
  for (const item of metadata.split(/[\t\n\f\r ]+/)) {
    const expression = item.split('?', 1)[0]
    const dash = expression.indexOf('-')
    const alg = (dash === -1 ? expression : expression.slice(0, dash)).toLowerCase()
    if (!ALGORITHMS.includes(alg)) continue
    result.push({ alg, val: dash === -1 ? '' : expression.slice(dash + 1) })
  }
  return result
}

/** SRI §3.3.4 "get the strongest metadata from set". */
function strongestMetadata (items) {
  const strongest = Math.max(...items.map((item) => ALGORITHMS.indexOf(item.alg)))
  return items.filter((item) => ALGORITHMS.indexOf(item.alg) === strongest)
}

/** A digest in one form for comparing: base64url read as base64, no padding. */
function normalizedDigest (value) {
  return value.replace(/={1,2}$/, '').replace(/-/g, '+').replace(/_/g, '/')
}

/** SRI §3.3.5 "do bytes match metadataList". */
function bytesMatch (bytes, metadata) {
  const items = parseMetadata(metadata)
  // 2. "If parsedMetadata is empty set, return true."
  if (items.length === 0) return true
  const digests = new Map()
  // node:crypto loads here, on first use: a program that never checks
  // integrity does not pay its memory (~1 MB of RSS, measured).
  for (const { alg, val } of strongestMetadata(items)) {
    if (!digests.has(alg)) digests.set(alg, require('node:crypto').createHash(alg).update(bytes).digest('base64'))
    if (normalizedDigest(digests.get(alg)) === normalizedDigest(val)) return true
  }
  return false
}

function integrityError (message) {
  return networkError(message, codes.INTEGRITY)
}

/**
 * Fetch §4.1 "main fetch" step 22: with integrity metadata, `response`
 * is handed over only once its whole body is read and matches; its body
 * is then those bytes. Without metadata it is handed over as it is.
 * @param {Response|Promise<Response>} response
 * @param {{ extras: { integrity: string }, signal: AbortSignal|null }} parts
 * @returns {Promise<Response>}
 */
function verifiedResponse (response, parts) {
  // Without metadata: the promise as it is, no extra microtask hops.
  if (parts.extras.integrity === '') return response
  return verify(response, parts.extras.integrity, parts.signal)
}

async function verify (pending, metadata, signal) {
  const response = await pending
  const body = bodyOf(response)
  // 22.2 "If response's body is null, then run processBodyError."
  if (body === null) throw integrityError('integrity metadata cannot be checked without a body')
  // 22.4 "Fully read response's body": an abort or a network failure while
  // reading rejects fetch() as it would before the response.
  const bytes = await consumeBytes(body)
  if (signal !== null && signal.aborted) throw abortReason(signal)
  // 22.3.1 "If bytes do not match request's integrity metadata, then run
  // processBodyError."
  if (!bytesMatch(bytes, metadata)) throw integrityError('integrity mismatch')
  // 22.3.2 "Set response's body to bytes as a body."
  setBody(response, new BodyState({ source: bytes, length: bytes.length }))
  return response
}

module.exports = { verifiedResponse }
