// Failures to exit codes (curl's where curl has one) and to the one line
// on stderr that names what failed and its code. The code comes from the
// library's `cause.code` (README: Errors), never from a message.

export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  BAD_URL: 3,
  RESOLVE: 6,
  CONNECT: 7,
  BAD_REPLY: 8,
  PARTIAL: 18,
  HTTP_ERROR: 22,
  WRITE: 23,
  READ: 26,
  TIMEOUT: 28,
  TLS: 35,
  TOO_MANY_REDIRECTS: 47,
  RECV: 56,
  BAD_ENCODING: 61,
  INTERRUPTED: 130
}

// code -> [exit code, what failed]
const BY_CODE = {
  ENOTFOUND: [EXIT.RESOLVE, 'could not resolve host'],
  ECONNREFUSED: [EXIT.CONNECT, 'connection refused'],
  ERR_FF_CONNECT: [EXIT.CONNECT, 'could not connect'],
  ECONNRESET: [EXIT.RECV, 'connection reset'],
  ERR_FF_NETWORK: [EXIT.RECV, 'network failure'],
  ERR_FF_PROTOCOL: [EXIT.BAD_REPLY, 'invalid HTTP reply'],
  ERR_FF_INCOMPLETE_BODY: [EXIT.PARTIAL, 'connection closed before the body was complete'],
  ERR_FF_TIMEOUT: [EXIT.TIMEOUT, 'timed out (--max-time)'],
  ERR_FF_CONNECT_TIMEOUT: [EXIT.TIMEOUT, 'timed out connecting (--connect-timeout)'],
  ERR_FF_READ_TIMEOUT: [EXIT.TIMEOUT, 'timed out waiting for data (--read-timeout)'],
  ERR_FF_TLS: [EXIT.TLS, 'TLS handshake or certificate verification failed'],
  ERR_FF_TOO_MANY_REDIRECTS: [EXIT.TOO_MANY_REDIRECTS, 'too many redirects'],
  ERR_FF_BAD_REDIRECT: [EXIT.FAILURE, 'bad redirect'],
  ERR_FF_UNSUPPORTED_SCHEME: [EXIT.FAILURE, 'unsupported URL scheme'],
  ERR_FF_DATA_URL: [EXIT.BAD_URL, 'malformed data: URL'],
  ERR_INVALID_URL: [EXIT.BAD_URL, 'malformed URL'],
  ERR_FF_DECODE: [EXIT.BAD_ENCODING, 'could not decode the content encoding'],
  ERR_FF_UPLOAD_FAILED: [EXIT.READ, 'reading the request body failed'],
  ERR_FF_SSE_TOO_LARGE: [EXIT.FAILURE, 'event stream line or event too large'],
  ERR_FF_SSE_STATUS: [EXIT.HTTP_ERROR, 'event stream answered with an HTTP error'],
  ERR_FF_SSE_CONTENT_TYPE: [EXIT.FAILURE, 'not an event stream (content-type)'],
  ERR_CLI_READ: [EXIT.READ],
  ERR_CLI_WRITE: [EXIT.WRITE],
  ERR_CLI_HTTP: [EXIT.HTTP_ERROR]
}

/** The stable code of a failure: the cause's (fetch failed, terminated, TimeoutError), else its own. */
/** A failure of the CLI itself (a file, --fail), with its exit code's key. */
export function cliError (code, message, cause = undefined) {
  const error = new Error(message, cause ? { cause } : undefined)
  error.code = code
  return error
}

export function codeOf (error) {
  if (typeof error?.code === 'string' && error.code.startsWith('ERR_CLI_')) return error.code
  return error?.cause?.code ?? error?.code ?? null
}

/** host:port as the user would recognise it. */
function origin (url) {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return url.protocol
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  return `${url.hostname}:${port}`
}

/**
 * @param {unknown} error
 * @param {URL} url  the request's URL
 * @returns {{ exitCode: number, line: string }}
 */
export function describeFailure (error, url) {
  const code = codeOf(error)
  const known = BY_CODE[code]
  if (known) {
    const [exitCode, what] = known
    // The CLI's own failures carry their whole story in the message.
    if (code.startsWith('ERR_CLI_') || code === 'ERR_INVALID_URL') return { exitCode, line: `ferrofetch: ${error.message}` }
    return { exitCode, line: `ferrofetch: ${what} (${code}) ${code === 'ENOTFOUND' ? '' : 'to '}${origin(url)}` }
  }
  const detail = error?.cause?.message ?? error?.message ?? String(error)
  return { exitCode: EXIT.FAILURE, line: `ferrofetch: ${detail}${code ? ` (${code})` : ''} (${url.href})` }
}
