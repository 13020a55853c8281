// From parsed flags to what the public API takes: Client options (transport,
// TLS, proxy, redirect limit) and a fetch init (method, headers, body, limits).
import fs from 'node:fs'
import path from 'node:path'
import { Headers } from '../index.mjs'
import { cliError } from './exit-codes.mjs'

/** A file the CLI could not read: exit 26, as curl's read error. */
function readFailure (what, file, cause) {
  return cliError('ERR_CLI_READ', `cannot read ${what} '${file}' (${cause.code ?? cause.message})`, cause)
}

function readFile (what, file) {
  try {
    return fs.readFileSync(file)
  } catch (cause) {
    throw readFailure(what, file, cause)
  }
}

/** Everything on stdin (`stdin` is a getter: the handle is made only when used), for -d @- and --json @- (small bodies, as in curl). */
async function readStdin (stdin) {
  const chunks = []
  for await (const chunk of stdin) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** TEXT, @FILE or @- (curl's convention) as bytes or text. */
async function dataArgument (what, value, stdin) {
  if (!value.startsWith('@')) return value
  if (value === '@-') return readStdin(stdin())
  return readFile(what, value.slice(1))
}

async function openBlob (what, file, type) {
  try {
    // stat first: openAsBlob reports a missing file as an invalid argument.
    const stat = await fs.promises.stat(file)
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' })
    return await fs.openAsBlob(file, type ? { type } : undefined)
  } catch (cause) {
    throw readFailure(what, file, cause)
  }
}

/** -F fields: name=value, or name=@file[;type=mime] streamed from the file. */
async function formBody (fields) {
  const form = new FormData()
  for (const [name, value] of fields) {
    if (!value.startsWith('@')) {
      form.append(name, value)
      continue
    }
    const [file, ...params] = value.slice(1).split(';')
    const type = params.find((p) => p.startsWith('type='))?.slice(5)
    form.append(name, await openBlob('form file', file, type), path.basename(file))
  }
  return form
}

/**
 * The request body and the headers it implies, or none.
 * @returns {Promise<{ body?: any, duplex?: 'half', contentType?: string, accept?: string, defaultMethod?: string }>}
 */
async function requestBody (opts, stdin) {
  if (opts.data) {
    const parts = []
    for (const d of opts.data) parts.push(Buffer.from(await dataArgument('data file', d, stdin)))
    const joined = Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from('&'), p])))
    return { body: joined, contentType: 'application/x-www-form-urlencoded', defaultMethod: 'POST' }
  }
  if (opts.json) {
    const parts = []
    for (const j of opts.json) parts.push(Buffer.from(await dataArgument('JSON file', j, stdin)))
    return { body: Buffer.concat(parts), contentType: 'application/json', accept: 'application/json', defaultMethod: 'POST' }
  }
  if (opts.form) return { body: await formBody(opts.form), defaultMethod: 'POST' }
  if (opts.uploadFile === '-') {
    // Node Readable bodies are a ferrofetch extension; its size is unknown,
    // so HTTP/1.1 sends it chunked.
    return { body: stdin(), duplex: 'half', defaultMethod: 'PUT' }
  }
  if (opts.uploadFile !== undefined) {
    // A Blob over a file: sent with its Content-Length, streamed from disk.
    return { body: await openBlob('upload file', opts.uploadFile), defaultMethod: 'PUT' }
  }
  return {}
}

/** Client options: the settings that belong to a connection pool. */
export function clientOptions (opts) {
  const tls = {}
  if (opts.cacert !== undefined) tls.ca = readFile('CA file', opts.cacert)
  if (opts.cert !== undefined) {
    tls.cert = readFile('certificate', opts.cert)
    tls.key = readFile('key', opts.key)
  }
  if (opts.insecure) tls.dangerouslyAcceptInvalidCertificates = true
  return {
    http: opts.http,
    decompress: opts.decompress,
    ...(opts.maxRedirects !== undefined ? { maxRedirections: opts.maxRedirects } : {}),
    ...proxyOption(opts),
    ...(Object.keys(tls).length > 0 ? { tls } : {})
  }
}

/**
 * -x and --noproxy. The Client's `proxy` URL applies to every request, so a
 * bypass list is given the way the library reads one: as HTTP(S)_PROXY and
 * NO_PROXY of this process, read when the Client is made.
 */
function proxyOption (opts) {
  if (opts.noProxy === '*') return { proxy: false }
  if (opts.noProxy === undefined) return opts.proxy !== undefined ? { proxy: opts.proxy } : {}
  for (const name of ['NO_PROXY', 'no_proxy']) process.env[name] = opts.noProxy
  if (opts.proxy !== undefined) {
    for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) process.env[name] = opts.proxy
  }
  return {}
}

/**
 * The fetch init, and the request head as the CLI sets it (for -v).
 * @returns {Promise<{ init: object, method: string, headers: Headers }>}
 */
export async function requestInit (opts, { version, stdin, signal }) {
  const body = await requestBody(opts, stdin)
  const headers = new Headers()
  headers.set('user-agent', opts.userAgent ?? `ferrofetch/${version}`)
  if (opts.user !== undefined) {
    const credentials = opts.user.includes(':') ? opts.user : `${opts.user}:`
    headers.set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`)
  }
  if (body.contentType) headers.set('content-type', body.contentType)
  // An event stream is asked for as EventSource does; --json's accept otherwise.
  if (opts.sse) headers.set('accept', 'text/event-stream')
  else if (body.accept) headers.set('accept', body.accept)
  for (const [name, value] of opts.headers) headers.set(name, value)
  const method = opts.method ?? (opts.head ? 'HEAD' : body.defaultMethod ?? 'GET')
  const init = {
    method,
    headers,
    redirect: opts.followRedirects ? 'follow' : 'manual',
    signal,
    ...(body.body !== undefined ? { body: body.body } : {}),
    ...(body.duplex ? { duplex: body.duplex } : {}),
    ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
    ...(opts.connectTimeout !== undefined ? { connectTimeout: opts.connectTimeout } : {}),
    ...(opts.readTimeout !== undefined ? { readTimeout: opts.readTimeout } : {})
  }
  return { init, method, headers }
}
