'use strict'
// Body bytes as a FormData: Fetch's "package data" for FormData (§6.3), with
// the multipart/form-data parser of the draft spec Fetch points to
// (andreubotella.github.io/multipart-form-data) and the URL spec's
// application/x-www-form-urlencoded parser. Written here rather than
// borrowed from `globalThis.Response`, which may be our own class (an app
// that installs ferrofetch globally) and would then call back into us.
//
// Where Node's fetch departs from the draft, we do as Node's does (a drop-in
// first): leading and trailing CRLFs around the body are allowed, the end
// delimiter may lack its CRLF, names and text values lose a leading BOM, and
// a part with `Content-Transfer-Encoding: base64` is decoded.

const decoder = new TextDecoder()
const keepBom = new TextDecoder('utf-8', { ignoreBOM: true })

const CR = 0x0d
const LF = 0x0a
const COLON = 0x3a
const QUOTE = 0x22
const DASH = 0x2d
// RFC 9110 token: the field-name production a part's header name must match.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const DISPOSITION_PREFIX = Buffer.from('form-data; name="')
const FILENAME_PREFIX = Buffer.from('; filename="')

/** The error every parse failure rejects with, as Node's fetch words it. */
function failure (detail) {
  return new TypeError('Failed to parse body as FormData.', { cause: new TypeError(detail) })
}

/**
 * Fetch §6.3 "package data" for FormData.
 * @param {Uint8Array} bytes  the whole body
 * @param {import('node:util').MIMEType|null} mimeType  the body's MIME type
 * @returns {FormData}
 */
function parseFormData (bytes, mimeType) {
  const essence = mimeType === null ? null : mimeType.essence
  if (essence === 'multipart/form-data') {
    const boundary = mimeType.params.get('boundary')
    // Draft step 2: without a boundary the body cannot be parsed.
    if (boundary === null) throw failure('missing boundary in content-type header')
    return parseMultipart(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), boundary)
  }
  if (essence === 'application/x-www-form-urlencoded') {
    // URL §5.1 "application/x-www-form-urlencoded parsing", over the UTF-8
    // decoding of the bytes (a BOM kept), which is what Node's fetch does.
    const formData = new FormData()
    for (const [name, value] of new URLSearchParams(keepBom.decode(bytes))) formData.append(name, value)
    return formData
  }
  throw new TypeError('Content-Type was not one of "multipart/form-data" or "application/x-www-form-urlencoded".')
}

function startsWithAt (input, prefix, at) {
  return input.length - at >= prefix.length && input.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0
}

function isCrlfAt (input, at) {
  return input[at] === CR && input[at + 1] === LF
}

/** Infra "collect a sequence of bytes" that satisfy `accept`, from `at`. */
function collect (input, at, accept) {
  let end = at
  while (end < input.length && accept(input[end])) end++
  return end
}

const isTabOrSpace = (b) => b === 0x09 || b === 0x20
const notLineEnd = (b) => b !== CR && b !== LF

/**
 * The draft's "multipart/form-data parser".
 * @param {Buffer} input
 * @param {string} boundaryParam  the Content-Type's boundary parameter
 */
function parseMultipart (input, boundaryParam) {
  const delimiter = Buffer.from(`--${boundaryParam}`)
  // A part's body ends where CRLF and the delimiter begin.
  const bodyEnd = Buffer.from(`\r\n--${boundaryParam}`)
  const formData = new FormData()
  let pos = 0
  // As Node's fetch: CRLFs before the first delimiter and after the last
  // one are ignored.
  while (isCrlfAt(input, pos)) pos += 2
  let end = input.length
  while (end - pos >= 2 && input[end - 2] === CR && input[end - 1] === LF) end -= 2
  input = input.subarray(0, end)
  // Step 5: one part per turn; each turn moves `pos` forward or fails, so
  // the loop is bounded by the input's length.
  for (;;) {
    // 5.1 The delimiter `--boundary`.
    if (!startsWithAt(input, delimiter, pos)) throw failure('expected a value starting with -- and the boundary')
    pos += delimiter.length
    // 5.2 `--` (and optionally CRLF, trimmed above) at the very end: done.
    if (pos === input.length - 2 && input[pos] === DASH && input[pos + 1] === DASH) return formData
    // 5.3-5.4 A CRLF ends the delimiter line.
    if (!isCrlfAt(input, pos)) throw failure('expected CRLF')
    pos += 2
    // 5.5 The part's headers.
    const part = parsePartHeaders(input, pos)
    // 5.6 Past the empty line that ends the headers.
    pos = part.end + 2
    // 5.8 The body runs up to CRLF and the next delimiter.
    const found = input.indexOf(bodyEnd, pos)
    if (found === -1) throw failure('expected boundary after body')
    let body = input.subarray(pos, found)
    if (part.encoding === 'base64') body = Buffer.from(body.toString('latin1'), 'base64')
    // 5.9 Past that CRLF: `pos` is at the next delimiter.
    pos = found + 2
    let value
    if (part.filename !== null) {
      // 5.10 A file: its type is text/plain when missing, '' when not ASCII.
      let type = part.contentType ?? 'text/plain'
      if (!/^\p{ASCII}*$/u.test(type)) type = ''
      value = new File([body], part.filename, { type })
    } else {
      // 5.11 A string: the UTF-8 decoding of the body.
      value = decoder.decode(body)
    }
    // 5.13 Append the entry.
    formData.append(part.name, value)
  }
}

/**
 * The draft's "parse multipart/form-data headers" from `pos`.
 * @returns {{ name: string, filename: string|null, contentType: string|null, encoding: string|null, end: number }}
 *   `end`: where the empty line that ends the headers starts
 */
function parsePartHeaders (input, pos) {
  let name = null
  let filename = null
  let contentType = null
  let encoding = null
  // One header line per turn; each turn consumes at least its CRLF, so the
  // loop is bounded by the input's length.
  for (;;) {
    // 2.1 An empty line ends the headers; a part must have been named.
    if (isCrlfAt(input, pos)) {
      if (name === null) throw failure('a part has no Content-Disposition name')
      return { name, filename, contentType, encoding, end: pos }
    }
    // 2.2-2.4 The header name: up to a colon or line end, trimmed, a token.
    const nameEnd = collect(input, pos, (b) => notLineEnd(b) && b !== COLON)
    const headerName = input.toString('latin1', pos, nameEnd).replace(/^[\t ]+|[\t ]+$/g, '')
    if (!TOKEN.test(headerName)) throw failure('header name does not match the field-name token production')
    // 2.5-2.7 The colon, then optional whitespace.
    if (input[nameEnd] !== COLON) throw failure('expected :')
    pos = collect(input, nameEnd + 1, isTabOrSpace)
    // 2.8 What the header means.
    switch (headerName.toLowerCase()) {
      case 'content-disposition': {
        filename = null
        if (!startsWithAt(input, DISPOSITION_PREFIX, pos)) {
          throw failure('expected form-data; name=" for content-disposition header')
        }
        const parsedName = parseQuotedName(input, pos + DISPOSITION_PREFIX.length)
        name = parsedName.value
        pos = parsedName.end
        if (startsWithAt(input, FILENAME_PREFIX, pos)) {
          const parsedFilename = parseQuotedName(input, pos + FILENAME_PREFIX.length)
          filename = parsedFilename.value
          pos = parsedFilename.end
        }
        break
      }
      case 'content-type': {
        const end = collect(input, pos, notLineEnd)
        // Trailing whitespace removed; "isomorphic decode" is latin1.
        contentType = input.toString('latin1', pos, end).replace(/[\t ]+$/, '')
        pos = end
        break
      }
      case 'content-transfer-encoding': {
        const end = collect(input, pos, notLineEnd)
        encoding = input.toString('latin1', pos, end).replace(/[\t ]+$/, '')
        pos = end
        break
      }
      default:
        pos = collect(input, pos, notLineEnd)
    }
    // 2.9 Each header line ends with CRLF.
    if (!isCrlfAt(input, pos)) throw failure('expected CRLF')
    pos += 2
  }
}

/**
 * The draft's "parse a multipart/form-data name", from just after its
 * opening quote: up to the closing quote, with HTML's escapes undone.
 * @returns {{ value: string, end: number }}  `end`: just after the closing quote
 */
function parseQuotedName (input, pos) {
  const end = collect(input, pos, (b) => notLineEnd(b) && b !== QUOTE)
  if (input[end] !== QUOTE) throw failure('expected "')
  const value = decoder.decode(input.subarray(pos, end))
    .replace(/%0A/gi, '\n')
    .replace(/%0D/gi, '\r')
    .replace(/%22/g, '"')
  return { value, end: end + 1 }
}

module.exports = { parseFormData }
