#!/usr/bin/env node
// ferrofetch URL: a streaming HTTP client on the command line, built only on
// ferrofetch's public API (it doubles as an example of it). `ferrofetch
// --help` lists the flags; cli/exit-codes.mjs the exit codes.
import { createRequire } from 'node:module'
import { Client } from '../index.mjs'
import { USAGE, UsageError, helpText, parseCommandLine } from './args.mjs'
import { EXIT, cliError, describeFailure } from './exit-codes.mjs'
import { fileSink, headLines, knownLength, pumpBody, remoteName, stdoutSink } from './output.mjs'
import { progressFor } from './progress.mjs'
import { clientOptions, requestInit } from './request.mjs'
import { printEvents, useColour } from './sse.mjs'

const { version } = createRequire(import.meta.url)('../package.json')

/** Bodies this small are shown on stderr when --fail rejects the response. */
const FAIL_BODY_LIMIT = 4096

/** The whole body if it is at most `limit` bytes, else null (and the rest is cancelled). */
async function smallBody (response, limit) {
  if (response.body === null) return null
  const chunks = []
  let size = 0
  for await (const chunk of response.body) {
    size += chunk.byteLength
    if (size > limit) return null // leaving the loop cancels the body
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/** --fail, and --sse's rule that an event stream is a 2xx: a small body to stderr, then exit 22. */
async function rejectHttpError (response, opts) {
  const body = await smallBody(response, FAIL_BODY_LIMIT).catch(() => null)
  if (body !== null && body.length > 0 && !(opts.silent && !opts.showError)) {
    process.stderr.write(body)
    if (body[body.length - 1] !== 0x0a) process.stderr.write('\n')
  }
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`
  throw cliError('ERR_CLI_HTTP', `HTTP ${status} from ${response.url || opts.url.href} (exit 22)`)
}

function verboseRequest (opts, method, headers) {
  const lines = [`> ${method} ${opts.url.href}`]
  for (const [name, value] of headers) lines.push(`> ${name}: ${value}`)
  process.stderr.write(lines.join('\n') + '\n>\n')
}

/** -o FILE and -O write to a file; otherwise (and with -o -) stdout. */
const writesToFile = (opts) => opts.remoteName || (opts.output !== undefined && opts.output !== '-')
const openFileSink = (opts) => fileSink(opts.remoteName ? remoteName(opts.url) : opts.output)

/** --sse --reconnect: events() reconnects as EventSource does until Ctrl-C. */
async function runReconnecting (client, opts, init, session) {
  const toFile = writesToFile(opts)
  const sink = toFile ? openFileSink(opts) : stdoutSink()
  const stream = client.events(opts.url, init)
  session.stop = () => stream.close()
  sink.onFailure = () => stream.close()
  try {
    await printEvents(stream, sink, { ndjson: opts.ndjson, colour: !toFile && useColour() })
  } finally {
    if (toFile) await sink.end()
  }
}

async function runFetch (client, opts, init, session) {
  const response = await client.fetch(opts.url, init)
  const toFile = writesToFile(opts)
  if (opts.verbose) process.stderr.write(headLines(response).map((l) => `< ${l}`).join('\n') + '\n<\n')
  if ((opts.fail && response.status >= 400) || (opts.sse && !response.ok)) return rejectHttpError(response, opts)
  // A file is created only once there is a response to put in it, as curl does.
  const sink = toFile ? openFileSink(opts) : stdoutSink()
  let completed = false
  try {
    if (opts.include || opts.head) await sink.write(headLines(response).join('\r\n') + '\r\n\r\n')
    if (response.body !== null && opts.sse) {
      sink.onFailure = () => session.abort()
      await printEvents(response.events(), sink, { ndjson: opts.ndjson, colour: !toFile && useColour() })
    } else if (response.body !== null) {
      const progress = toFile ? progressFor(opts, 'download') : null
      await pumpBody(response, sink, progress, knownLength(response, opts.decompress))
    }
    completed = true
  } finally {
    // A failed transfer keeps what arrived in the file, as curl does; its error is the one reported.
    if (toFile && completed) await sink.end()
    else if (toFile) sink.stream.end()
  }
}

/**
 * -T: an upload bar fed by the library's onUploadProgress (ky's shape), so
 * it counts what the network took, not what was read from the file. Drawn
 * only once the library reports progress.
 */
function uploadProgress (opts) {
  if (opts.uploadFile === undefined) return null
  let line
  return {
    onUploadProgress ({ transferredBytes, totalBytes }) {
      line ??= progressFor(opts, 'upload')
      line?.update(transferredBytes, totalBytes)
    },
    finish: () => line?.finish()
  }
}

async function main (argv) {
  let opts
  try {
    opts = parseCommandLine(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) {
      process.stderr.write(`ferrofetch: ${error.message}\n`)
      return EXIT.BAD_URL
    }
    process.stderr.write(`ferrofetch: ${error.message}\n${USAGE}\n`)
    return EXIT.USAGE
  }
  if (opts.help) {
    process.stdout.write(helpText(version))
    return EXIT.OK
  }
  if (opts.version) {
    process.stdout.write(`ferrofetch ${version}\n`)
    return EXIT.OK
  }

  const controller = new AbortController()
  const session = { interrupted: false, stop: () => {}, abort: () => controller.abort() }
  process.on('SIGINT', () => {
    if (session.interrupted) process.exit(EXIT.INTERRUPTED) // a second Ctrl-C does not wait
    session.interrupted = true
    controller.abort()
    session.stop()
  })

  let client = null
  const upload = uploadProgress(opts)
  try {
    client = new Client(clientOptions(opts))
    const { init, method, headers } = await requestInit(opts, { version, stdin: () => process.stdin, signal: controller.signal })
    if (upload) init.onUploadProgress = upload.onUploadProgress
    if (opts.verbose) verboseRequest(opts, method, headers)
    if (opts.sse && opts.reconnect) await runReconnecting(client, opts, init, session)
    else await runFetch(client, opts, init, session)
    return session.interrupted ? EXIT.INTERRUPTED : EXIT.OK
  } catch (error) {
    if (session.interrupted) return EXIT.INTERRUPTED
    // The stdout reader left while a request was being aborted for it.
    if (controller.signal.aborted && error?.name === 'AbortError') return EXIT.OK
    const { exitCode, line } = describeFailure(error, opts.url)
    if (!opts.silent || opts.showError) process.stderr.write(line + '\n')
    return exitCode
  } finally {
    upload?.finish()
    client?.close()
  }
}

process.exitCode = await main(process.argv.slice(2))
