'use strict'
// Fetch §4.2 "scheme fetch" for the schemes answered without the network:
// data: and blob:. Their responses are basic, 200 (or 206 for a blob
// range), never redirected, with an immutable header list.

const { fromNative, setBody, NULL_BODY_STATUSES } = require('./response')
const { BodyState } = require('./body')
const { processDataUrl } = require('./data-url')
const { resolveBlobUrl } = require('./blob-url')
const { codes } = require('./codes')
const { networkError } = require('./errors')

function localResponse (parts, status, statusText, headers, body) {
  const head = { status, statusText, headers, redirected: false, url: parts.url }
  const response = fromNative(head, null, parts.url)
  // Fetch §4.1 "main fetch" step 22: HEAD requests have a null body.
  const nullBody = parts.method === 'HEAD' || NULL_BODY_STATUSES.has(status)
  setBody(response, nullBody ? null : body)
  return response
}

function fetchDataUrl (parts) {
  const result = processDataUrl(parts.url)
  // "If dataURLStruct is failure, then return a network error."
  if (result === null) throw networkError('failed to fetch the data URL', codes.DATA_URL)
  const { mimeType, body } = result
  // "a new response whose status message is `OK`, header list is
  // « (`Content-Type`, mimeType) », and body is dataURLStruct's body as a body."
  return localResponse(parts, 200, 'OK', ['content-type', mimeType],
    new BodyState({ source: body, length: body.length }))
}

function fetchBlobUrl (parts) {
  const result = resolveBlobUrl(parts.method, parts.url, parts.headers.get('range'))
  if (typeof result === 'string') throw networkError(result, codes.BLOB_URL)
  const { status, statusText, headers, blob } = result
  return localResponse(parts, status, statusText, headers,
    new BodyState({ source: blob, length: blob.size }))
}

/**
 * The Response for a data: or blob: URL, or null for any other scheme
 * (the network's). Throws the network error as fetch() rejects with it.
 */
function fetchLocalScheme (parts) {
  if (parts.url.startsWith('data:')) return fetchDataUrl(parts)
  if (parts.url.startsWith('blob:')) return fetchBlobUrl(parts)
  return null
}

module.exports = { fetchLocalScheme }
