// What the CLI writes on a terminal, in a real pseudo-terminal (util-linux
// `script`): the progress line for -o (bar with a known length, spinner
// without), erased at the end, absent with -s and when stderr is a pipe;
// the upload line only from the library's onUploadProgress; --sse colours.
import test from 'ava'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { fetch } from '../index.mjs'
import { httpServer, readBody } from './helpers/servers.mjs'
import { SCRIPT, runCli, runInPty, visible } from './helpers/cli.mjs'
import { ProgressLine } from '../cli/progress.mjs'

const ERASE = '\r\x1b[2K'
const PIECE = Buffer.alloc(64 * 1024, 0x62)
const PIECES = 5

test.before(() => {
  if (!fs.existsSync(SCRIPT)) throw new Error(`${SCRIPT} (util-linux) is needed for the terminal tests`)
})

function tempDir (t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrofetch-cli-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** /sized has a Content-Length, /unsized is chunked; both send PIECES pieces. */
async function downloads (t) {
  return httpServer(t, async (req, res) => {
    const sized = req.url === '/sized'
    res.writeHead(200, sized ? { 'content-length': PIECE.length * PIECES } : {})
    for (let i = 0; i < PIECES; i++) {
      if (!res.write(PIECE)) await new Promise((resolve) => res.once('drain', resolve))
    }
    res.end()
  })
}

test('-o on a terminal draws a progress bar with bytes, rate and ETA, and erases it at the end', async (t) => {
  const { url } = await downloads(t)
  const file = path.join(tempDir(t), 'out.bin')
  const { code, tty } = await runInPty(['-o', file, `${url}/sized`])
  t.is(code, 0, visible(tty))
  t.regex(tty, /^\r\x1b\[2Kdownload +\d+% \[[#.]+\] \d+\.\d KiB \/ 320\.0 KiB {2}[\d.]+ (B|KiB|MiB|GiB)\/s {2}ETA \d+:\d\d/, visible(tty))
  t.true(tty.endsWith(ERASE), visible(tty))
  t.is(fs.statSync(file).size, PIECE.length * PIECES)
})

test('-o on a terminal with no Content-Length draws a spinner with bytes and rate', async (t) => {
  const { url } = await downloads(t)
  const file = path.join(tempDir(t), 'out.bin')
  const { code, tty } = await runInPty(['-o', file, `${url}/unsized`])
  t.is(code, 0, visible(tty))
  t.regex(tty, /^\r\x1b\[2Kdownload [|/\\-] \d+\.\d KiB {2}[\d.]+ (B|KiB|MiB|GiB)\/s/, visible(tty))
  t.false(tty.includes('%'))
  t.true(tty.endsWith(ERASE), visible(tty))
})

test('-s on a terminal draws no progress', async (t) => {
  const { url } = await downloads(t)
  const { code, tty } = await runInPty(['-s', '-o', path.join(tempDir(t), 'out.bin'), `${url}/sized`])
  t.is(code, 0)
  t.is(tty, '')
})

test('no progress when stderr is not a terminal, also when stdout is one', async (t) => {
  const { url } = await downloads(t)
  const file = path.join(tempDir(t), 'out.bin')
  const piped = await runCli(['-o', file, `${url}/sized`])
  t.is(piped.code, 0)
  t.is(piped.stderr, '')
  const log = path.join(tempDir(t), 'stderr.txt')
  const { code, tty } = await runInPty(['-o', file, `${url}/sized`], { redirect: ` 2>'${log}'` })
  t.is(code, 0)
  t.is(tty, '')
  t.is(fs.readFileSync(log, 'utf8'), '')
})

test('the progress line redraws at most every 100 ms and erases only what it drew', (t) => {
  const writes = []
  let now = 0
  const line = new ProgressLine({ write: (s) => writes.push(s), columns: 100 }, 'download', () => now)
  for (const [at, bytes] of [[0, 10], [50, 20], [99, 30], [100, 40], [150, 50], [250, 60]]) {
    now = at
    line.update(bytes, 100)
  }
  t.is(writes.length, 3)
  t.regex(writes[0], /^\r\x1b\[2Kdownload {2}10% /)
  t.regex(writes[1], /^\r\x1b\[2Kdownload {2}40% /)
  t.regex(writes[2], /^\r\x1b\[2Kdownload {2}60% \[#{19}\.{13}\] 60 B \/ 100 B/)
  line.finish()
  t.is(writes.at(-1), ERASE)
  const quiet = new ProgressLine({ write: (s) => writes.push(s) }, 'upload', () => 0)
  quiet.finish()
  t.is(writes.length, 4)
})

/** Does the library call onUploadProgress? (another issue adds it; until then there is no upload line) */
async function libraryReportsUploadProgress (url) {
  let called = false
  const res = await fetch(url, { method: 'PUT', body: randomBytes(1024), onUploadProgress: () => { called = true } })
  await res.arrayBuffer()
  return called
}

test('-T on a terminal: an upload line only from the network counts of onUploadProgress, never from file reads', async (t) => {
  const { url } = await httpServer(t, async (req, res) => {
    await readBody(req)
    res.end()
  })
  const file = path.join(tempDir(t), 'up.bin')
  fs.writeFileSync(file, randomBytes(3 << 20))
  const { code, tty } = await runInPty(['-T', file, url])
  t.is(code, 0, visible(tty))
  if (await libraryReportsUploadProgress(url)) {
    t.regex(tty, /^\r\x1b\[2Kupload +\d+% \[[#.]+\] [\d.]+ (B|KiB|MiB) \/ 3\.0 MiB/, visible(tty))
    t.true(tty.endsWith(ERASE), visible(tty))
  } else {
    t.is(tty, '', 'no upload line while the library has no onUploadProgress')
  }
})

async function eventServer (t) {
  return httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.end('event: token\nid: 7\ndata: hi\n\n')
  })
}

test('--sse on a terminal colours the event name, id and field names', async (t) => {
  const { url } = await eventServer(t)
  const { code, tty } = await runInPty(['--sse', url])
  t.is(code, 0)
  t.is(tty.replace(/\r\n/g, '\n'),
    '\x1b[2mevent:\x1b[22m \x1b[1;36mtoken\x1b[22;39m\n\x1b[2mid:\x1b[22m \x1b[33m7\x1b[39m\n\x1b[2mdata:\x1b[22m hi\n\n')
})

test('--sse on a terminal with NO_COLOR, and --ndjson on a terminal, print no escape sequences', async (t) => {
  const { url } = await eventServer(t)
  const plain = await runInPty(['--sse', url], { env: { NO_COLOR: '1' } })
  t.is(plain.tty.replace(/\r\n/g, '\n'), 'event: token\nid: 7\ndata: hi\n\n')
  const ndjson = await runInPty(['--sse', '--ndjson', url])
  t.deepEqual(JSON.parse(ndjson.tty.trim()), { event: 'token', data: 'hi', id: '7' })
  t.false(ndjson.tty.includes('\x1b'))
})
