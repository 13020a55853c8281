// The CLI streams: a body is printed as it arrives; a reader that leaves
// (`| head -c 10`, a closed pipe) ends it cleanly and closes the
// connection; Ctrl-C (SIGINT) closes the connection and exits 130.
import test from 'ava'
import { httpServer } from './helpers/servers.mjs'
import { cliCommand, runShell, startCli } from './helpers/cli.mjs'

const BOUND_MS = 15_000

/** Resolves when `promise` does, or rejects after `ms` naming `what`. */
function within (promise, what, ms = BOUND_MS) {
  let timer
  const bound = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms) })
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer))
}

/** Resolves once the child's stdout has carried `text`. */
function printed (child, text) {
  return within(new Promise((resolve) => {
    let seen = ''
    child.stdout.on('data', (c) => {
      seen += c
      if (seen.includes(text)) resolve(seen)
    })
  }), `'${text}' on stdout`)
}

/** Waits for 'drain' or 'close', leaving no listener behind. */
function drainOrClose (res) {
  return new Promise((resolve) => {
    const wake = () => {
      res.off('drain', wake)
      res.off('close', wake)
      resolve()
    }
    res.on('drain', wake)
    res.on('close', wake)
  })
}

/**
 * A server that writes an endless body (bounded: 256 MiB) as fast as the
 * client takes it, and resolves `closed` when the client's socket closes.
 */
async function endlessServer (t, { contentType = 'application/octet-stream', chunk = Buffer.alloc(16 * 1024, 0x61) } = {}) {
  let closedResolve
  const closed = new Promise((resolve) => { closedResolve = resolve })
  const state = { sent: 0, finished: false }
  const server = await httpServer(t, async (req, res) => {
    req.socket.on('close', closedResolve)
    res.writeHead(200, { 'content-type': contentType })
    for (let i = 0; i < 16 * 1024 && !res.destroyed; i++) {
      state.sent += chunk.length
      if (!res.write(chunk)) await drainOrClose(res)
    }
    state.finished = !res.destroyed
    res.end()
  })
  return { ...server, closed, state }
}

test('the body is printed as it arrives: the server sends the second piece only after the first was printed', async (t) => {
  let firstPrinted
  const gate = new Promise((resolve) => { firstPrinted = resolve })
  const { url } = await httpServer(t, async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.write('first piece;')
    await gate
    res.end('second piece')
  })
  const { child, done } = await startCli([url])
  await printed(child, 'first piece;')
  firstPrinted()
  const { code, stdout } = await done
  t.is(code, 0)
  t.is(stdout.toString(), 'first piece;second piece')
})

test('ferrofetch URL | head -c 10: ten bytes, exit 0, nothing on stderr, and the server sees the connection close', async (t) => {
  const { url, closed, state } = await endlessServer(t)
  const { code, stdout, stderr } = await runShell(`${cliCommand([url])} | head -c 10; echo "exit=\${PIPESTATUS[0]}" >&2`)
  t.is(code, 0)
  t.is(stdout.toString(), 'aaaaaaaaaa')
  t.is(stderr, 'exit=0\n')
  await within(closed, 'socket close at the server')
  t.false(state.finished)
})

test('a stdout reader that goes away after 10 bytes ends the transfer: exit 0 and the socket closes', async (t) => {
  const { url, closed, state } = await endlessServer(t)
  const { child, done } = await startCli([url])
  await within(new Promise((resolve) => {
    let n = 0
    child.stdout.on('data', (c) => {
      n += c.length
      if (n >= 10) {
        child.stdout.destroy()
        resolve()
      }
    })
  }), '10 bytes')
  const { code, stderr } = await done
  t.is(code, 0)
  t.is(stderr, '')
  await within(closed, 'socket close at the server')
  t.false(state.finished)
})

test('--sse | head: the event printer also ends cleanly when the reader leaves', async (t) => {
  const { url, closed } = await endlessServer(t, { contentType: 'text/event-stream', chunk: Buffer.from('data: tick\n\n'.repeat(64)) })
  const { code, stdout, stderr } = await runShell(`${cliCommand(['--sse', '--ndjson', url])} | head -c 10; echo "exit=\${PIPESTATUS[0]}" >&2`)
  t.is(code, 0)
  t.is(stdout.toString(), '{"event":"')
  t.is(stderr, 'exit=0\n')
  await within(closed, 'socket close at the server')
})

/** A body that sends one piece and then waits (bounded by the test's teardown). */
async function hangingServer (t, { contentType, first }) {
  let closedResolve
  const closed = new Promise((resolve) => { closedResolve = resolve })
  const server = await httpServer(t, (req, res) => {
    req.socket.on('close', closedResolve)
    res.writeHead(200, { 'content-type': contentType })
    res.write(first)
  })
  return { ...server, closed }
}

for (const [name, args, contentType, first, shown] of [
  ['a body', [], 'text/plain', 'partial body', 'partial body'],
  ['--sse', ['--sse'], 'text/event-stream', 'data: one\n\n', 'data: one'],
  ['--sse --reconnect', ['--sse', '--reconnect'], 'text/event-stream', 'data: one\n\n', 'data: one']
]) {
  test(`Ctrl-C (SIGINT) during ${name}: exit 130, no error line, and the server sees the socket close`, async (t) => {
    const { url, closed } = await hangingServer(t, { contentType, first })
    const { child, done } = await startCli([...args, url])
    await printed(child, shown)
    child.kill('SIGINT')
    const { code, signal, stderr } = await done
    t.is(signal, null)
    t.is(code, 130)
    t.is(stderr, '')
    await within(closed, 'socket close at the server')
  })
}
