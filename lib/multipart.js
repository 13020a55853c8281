'use strict'
// FormData as a multipart/form-data body (HTML §4.10.21.8 "multipart/form-data
// encoding algorithm", RFC 7578). The result is a Blob made of the parts'
// headers and the entries' own Blobs: file contents are referenced, never
// copied, so a FormData holding a 10 GiB file costs a few bytes until it is
// streamed, and its size (the Content-Length) is known up front.

const encoder = new TextEncoder()

/**
 * HTML's "convert to a list of name-value pairs": every line break in a
 * string becomes CRLF.
 */
function normalizeLineBreaks (value) {
  return value.replace(/\r\n|\r|\n/g, '\r\n')
}

/**
 * The escaping HTML mandates for names and filenames inside the
 * Content-Disposition header: LF, CR and '"' percent-encoded.
 */
function escapeQuoted (value) {
  return value.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22')
}

/**
 * A boundary no entry can contain by chance (128 random bits). node:crypto
 * loads on first use (see integrity.js).
 */
function newBoundary () {
  return `----ferrofetch-formdata-${require('node:crypto').randomBytes(16).toString('hex')}`
}

/**
 * Encodes `formData` as multipart/form-data.
 * @param {FormData} formData
 * @returns {{ blob: Blob, type: string }} the body and its Content-Type
 */
function encodeFormData (formData) {
  const boundary = newBoundary()
  const parts = []
  // Consecutive text (headers and string values) is joined into one chunk
  // so that a form of many small fields streams as few chunks.
  let text = ''
  for (const [name, value] of formData) {
    const fieldName = escapeQuoted(normalizeLineBreaks(name))
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${fieldName}"`
    if (typeof value === 'string') {
      text += `\r\n\r\n${normalizeLineBreaks(value)}\r\n`
      continue
    }
    // A File: its name is escaped but not normalized, and a missing type
    // is sent as the generic binary type.
    const type = value.type === '' ? 'application/octet-stream' : value.type
    text += `; filename="${escapeQuoted(value.name)}"\r\nContent-Type: ${type}\r\n\r\n`
    parts.push(encoder.encode(text), value)
    text = '\r\n'
  }
  text += `--${boundary}--\r\n`
  parts.push(encoder.encode(text))
  return { blob: new Blob(parts), type: `multipart/form-data; boundary=${boundary}` }
}

module.exports = { encodeFormData }
