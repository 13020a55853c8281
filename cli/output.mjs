// Where the body goes: stdout or a file, written with backpressure (a slow
// reader slows the download), and a reader that goes away (`| head -c 10`,
// EPIPE) ends the transfer cleanly: the body is cancelled, which closes the
// connection.
import fs from 'node:fs'
import { once } from 'node:events'
import { cliError } from './exit-codes.mjs'

export class Sink {
  /**
   * @param {import('node:stream').Writable} stream
   * @param {{ name: string, isStdout: boolean }} about
   */
  constructor (stream, { name, isStdout }) {
    this.stream = stream
    this.name = name
    this.isStdout = isStdout
    /** The first write error, or null. */
    this.error = null
    /** Called once when the stream fails, e.g. to cancel the body. */
    this.onFailure = () => {}
    this.wakeUps = new Set()
    stream.on('error', (error) => {
      if (this.error !== null) return
      this.error = error
      for (const wake of this.wakeUps) wake()
      this.onFailure(error)
    })
  }

  /** The reader of stdout went away: a clean end, as for curl piped into head. */
  get readerLeft () {
    return this.isStdout && this.error?.code === 'EPIPE'
  }

  /** Writes, waiting for 'drain' when the stream's buffer is full. */
  async write (chunk) {
    this.throwIfFailed()
    if (this.stream.write(chunk)) return
    await new Promise((resolve) => {
      const wake = () => {
        this.wakeUps.delete(wake)
        this.stream.off('drain', wake)
        resolve()
      }
      this.wakeUps.add(wake)
      this.stream.once('drain', wake)
    })
    this.throwIfFailed()
  }

  throwIfFailed () {
    if (this.error === null || this.readerLeft) return
    throw cliError('ERR_CLI_WRITE', `cannot write ${this.name} (${this.error.code ?? this.error.message})`, this.error)
  }

  /** Flushes; a file is closed and its last write error reported. */
  async end () {
    if (this.isStdout || this.error !== null) return this.throwIfFailed()
    this.stream.end()
    await Promise.race([once(this.stream, 'close'), new Promise((resolve) => this.wakeUps.add(resolve))])
    this.throwIfFailed()
  }
}

export function stdoutSink (stdout = process.stdout) {
  return new Sink(stdout, { name: 'stdout', isStdout: true })
}

/** A file sink, created when the response arrives (as curl does). */
export function fileSink (file) {
  return new Sink(fs.createWriteStream(file), { name: `'${file}'`, isStdout: false })
}

/** -O: the URL's last path segment, as curl names the file. */
export function remoteName (url) {
  const segment = decodeURIComponent(url.pathname.split('/').pop() ?? '')
  if (segment === '' || segment === '.' || segment === '..' || segment.includes('/')) {
    throw cliError('ERR_CLI_WRITE', `-O needs a file name at the end of the URL's path (${url.href})`)
  }
  return segment
}

/**
 * The length a progress bar can count toward: Content-Length, unless the
 * body is decoded on the way (then it counts encoded bytes, not ours).
 */
export function knownLength (response, decompress) {
  const length = Number(response.headers.get('content-length'))
  const encoded = decompress && (response.headers.get('content-encoding') ?? 'identity') !== 'identity'
  return Number.isSafeInteger(length) && length > 0 && !encoded ? length : 0
}

/**
 * Streams the body into the sink chunk by chunk as it arrives.
 * @param {Response} response
 * @param {Sink} sink
 * @param {import('./progress.mjs').ProgressLine | null} progress
 * @param {number} total  bytes expected, 0 when unknown
 */
export async function pumpBody (response, sink, progress, total) {
  const reader = response.body.getReader()
  // A broken sink cancels the body: the pending read ends, the connection closes.
  sink.onFailure = () => { reader.cancel().catch(() => {}) }
  let transferred = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done || sink.error !== null) break
      transferred += value.byteLength
      progress?.update(transferred, total)
      await sink.write(value)
    }
  } finally {
    progress?.finish()
  }
  sink.throwIfFailed()
}

/** The status line and headers, as -i, -I and -v show them. */
export function headLines (response) {
  const lines = [`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`]
  for (const [name, value] of response.headers) lines.push(`${name}: ${value}`)
  return lines
}
