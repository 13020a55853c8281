// The command line: one table of flags (curl's names where curl has the
// flag), parsed with Node's util.parseArgs; the help text is made from the
// same table, so --help lists every flag there is.
import { parseArgs } from 'node:util'

/** A flag the user got wrong: usage line on stderr, exit 2. */
export class UsageError extends Error {}

// [long name, short, takes a value (its placeholder) or null, help, repeatable]
const FLAGS = [
  ['method', 'X', 'METHOD', 'request method (default GET; POST with a body, PUT with -T)'],
  ['header', 'H', "'NAME: VALUE'", 'add a request header (repeatable)', true],
  ['data', 'd', 'TEXT|@FILE|@-', 'send a form-urlencoded body (repeatable, joined with &)', true],
  ['json', null, 'TEXT|@FILE|@-', 'send a JSON body; sets content-type and accept', true],
  ['form', 'F', 'NAME=VALUE|NAME=@FILE[;type=MIME]', 'multipart form field, files streamed (repeatable)', true],
  ['upload-file', 'T', 'FILE|-', 'stream a file (or stdin, chunked) as the body (PUT)'],
  ['user', 'u', 'USER:PASS', 'basic authentication'],
  ['user-agent', 'A', 'TEXT', 'User-Agent header'],
  ['include', 'i', null, 'print the status line and headers before the body'],
  ['head', 'I', null, 'HEAD request; print the status line and headers'],
  ['output', 'o', 'FILE', 'write the body to FILE (- for stdout)'],
  ['remote-name', 'O', null, 'write the body to a file named as the URL\'s last path segment'],
  ['fail', 'f', null, 'exit 22 on HTTP status >= 400 (a small body goes to stderr)'],
  ['silent', 's', null, 'no progress bar and no error messages'],
  ['show-error', 'S', null, 'with -s, still print error messages'],
  ['verbose', 'v', null, 'print the request and response heads on stderr'],
  ['sse', null, null, 'read the response as an event stream and print each event'],
  ['ndjson', null, null, 'with --sse: one JSON object {event, data, id, retry?} per line'],
  ['reconnect', null, null, 'with --sse: reconnect as EventSource does (retry, Last-Event-ID)'],
  ['max-time', 'm', 'SECONDS', 'limit for the whole request, body included'],
  ['connect-timeout', null, 'SECONDS', 'limit for establishing the connection'],
  ['read-timeout', null, 'SECONDS', 'longest silence between body chunks'],
  ['location', 'L', null, 'follow redirects (the default)'],
  ['no-location', null, null, 'do not follow redirects: print the 3xx response'],
  ['max-redirs', null, 'NUM', 'redirects followed at most (default 20)'],
  ['compressed', null, null, 'ask for and decode gzip, deflate, br, zstd (the default)'],
  ['no-compressed', null, null, 'send no Accept-Encoding; pass encoded bodies through'],
  ['http1.1', null, null, 'HTTP/1.1 only'],
  ['http2', null, null, 'HTTP/2 when TLS\'s ALPN agrees, else HTTP/1.1 (the default)'],
  ['http2-prior-knowledge', null, null, 'HTTP/2 without negotiation, also over cleartext'],
  ['proxy', 'x', 'URL', 'proxy (http, https, socks5, socks5h) for every request'],
  ['noproxy', null, 'HOSTS', 'comma-separated hosts that bypass the proxy (* for all)'],
  ['cacert', null, 'FILE', 'extra trusted CA certificates (PEM)'],
  ['cert', 'E', 'FILE', 'client certificate (PEM), with --key'],
  ['key', null, 'FILE', 'client private key (PEM), with --cert'],
  ['insecure', 'k', null, 'accept any server certificate (development only)'],
  ['help', 'h', null, 'this help'],
  ['version', 'V', null, 'print the version']
]

const PARSE_OPTIONS = Object.fromEntries(FLAGS.map(([name, short, value, , multiple]) => [name, {
  type: value === null ? 'boolean' : 'string',
  ...(short ? { short } : {}),
  ...(multiple ? { multiple: true } : {})
}]))

export const USAGE = 'usage: ferrofetch [options] URL   (ferrofetch --help lists the options)'

/** The --help text: every flag of the table. */
export function helpText (version) {
  const rows = FLAGS.map(([name, short, value, help]) => {
    const flag = `${short ? `-${short}, ` : '    '}--${name}${value ? ` ${value}` : ''}`
    return `  ${flag.padEnd(44)} ${help}`
  })
  return [`ferrofetch ${version}: a streaming HTTP client`, USAGE.replace(/ {3}\(.*$/, ''), '', ...rows, '',
    'Exit codes: 0 ok, 1 other failure, 2 bad flags, 3 bad URL, 6 could not resolve host,',
    '7 could not connect, 8 invalid HTTP reply, 18 body cut short, 22 HTTP error (--fail),',
    '23 write error, 26 read error, 28 timeout, 35 TLS, 47 too many redirects,',
    '56 connection reset, 61 bad content encoding, 130 interrupted (Ctrl-C).', ''].join('\n')
}

/** Seconds as curl takes them (fractions allowed) to milliseconds. */
function seconds (flag, text) {
  if (text === undefined) return undefined
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`--${flag} takes a number of seconds >= 0, not '${text}'`)
  }
  return Math.round(value * 1000)
}

function count (flag, text) {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} takes a whole number, not '${text}'`)
  return Number(text)
}

/** Of two opposite flags, the one given last wins (as in curl). */
function lastOf (tokens, names, fallback) {
  let winner = fallback
  for (const token of tokens) if (token.kind === 'option' && names.includes(token.name)) winner = token.name
  return winner
}

/** A URL as curl takes it: one without a scheme is http. */
function targetUrl (text) {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^(data|blob):/i.test(text) ? text : `http://${text}`
  try {
    return new URL(withScheme)
  } catch {
    const error = new Error(`malformed URL '${text}' (ERR_INVALID_URL)`)
    error.code = 'ERR_INVALID_URL'
    throw error
  }
}

/**
 * argv (without node and the script) to the options the rest of the CLI
 * uses. Throws UsageError for flags that are unknown, malformed or clash.
 */
export function parseCommandLine (argv) {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: PARSE_OPTIONS, allowPositionals: true, strict: true, tokens: true })
  } catch (error) {
    // parseArgs explains at length; the first sentence is the usage error.
    throw new UsageError(error.message.split(/\.(\s|$)/)[0])
  }
  const v = parsed.values
  if (v.help || v.version) return { help: Boolean(v.help), version: Boolean(v.version) }
  if (parsed.positionals.length !== 1) {
    throw new UsageError(parsed.positionals.length === 0 ? 'no URL given' : `one URL at a time (got ${parsed.positionals.length})`)
  }
  const bodies = ['data', 'json', 'form', 'upload-file'].filter((name) => v[name] !== undefined)
  if (bodies.length > 1) throw new UsageError(`--${bodies[0]} and --${bodies[1]} cannot be used together`)
  if (v.head && bodies.length > 0) throw new UsageError(`--head sends no body, but --${bodies[0]} was given`)
  if (v.output !== undefined && v['remote-name']) throw new UsageError('-o and -O cannot be used together')
  if ((v.ndjson || v.reconnect) && !v.sse) throw new UsageError(`--${v.ndjson ? 'ndjson' : 'reconnect'} goes with --sse`)
  if ((v.cert === undefined) !== (v.key === undefined)) throw new UsageError('--cert and --key go together')
  const headers = (v.header ?? []).map((line) => {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new UsageError(`-H takes 'Name: value', not '${line}'`)
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()]
  })
  const form = (v.form ?? []).map((field) => {
    const eq = field.indexOf('=')
    if (eq <= 0) throw new UsageError(`-F takes name=value or name=@file, not '${field}'`)
    return [field.slice(0, eq), field.slice(eq + 1)]
  })
  const http = lastOf(parsed.tokens, ['http1.1', 'http2', 'http2-prior-knowledge'], 'http2')
  return {
    url: targetUrl(parsed.positionals[0]),
    method: v.method,
    headers,
    data: v.data,
    json: v.json,
    form: v.form ? form : undefined,
    uploadFile: v['upload-file'],
    user: v.user,
    userAgent: v['user-agent'],
    include: Boolean(v.include),
    head: Boolean(v.head),
    output: v.output,
    remoteName: Boolean(v['remote-name']),
    fail: Boolean(v.fail),
    silent: Boolean(v.silent),
    showError: Boolean(v['show-error']),
    verbose: Boolean(v.verbose),
    sse: Boolean(v.sse),
    ndjson: Boolean(v.ndjson),
    reconnect: Boolean(v.reconnect),
    timeout: seconds('max-time', v['max-time']),
    connectTimeout: seconds('connect-timeout', v['connect-timeout']),
    readTimeout: seconds('read-timeout', v['read-timeout']),
    followRedirects: lastOf(parsed.tokens, ['location', 'no-location'], 'location') === 'location',
    maxRedirects: count('max-redirs', v['max-redirs']),
    decompress: lastOf(parsed.tokens, ['compressed', 'no-compressed'], 'compressed') === 'compressed',
    http: { 'http1.1': 'http1', http2: 'auto', 'http2-prior-knowledge': 'http2' }[http],
    proxy: v.proxy,
    noProxy: v.noproxy,
    cacert: v.cacert,
    cert: v.cert,
    key: v.key,
    insecure: Boolean(v.insecure)
  }
}
