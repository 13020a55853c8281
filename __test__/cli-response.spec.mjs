// The CLI's response flags (-i, -I, -o, -O, --fail, -s, -S), redirects,
// compression, time limits, and the exit codes and error lines of each
// kind of failure; --help, --version and bad flags.
import test from 'ava'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { blackHole, httpServer, tcpServer } from './helpers/servers.mjs'
import { CLI, runCli } from './helpers/cli.mjs'

const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url)))

function tempDir (t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrofetch-cli-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A few routes: /ok, /missing (404), /big-error (404, 64 KiB), /gzip, /redirect/N, /stall. */
async function site (t) {
  return httpServer(t, (req, res) => {
    const u = new URL(req.url, 'http://x')
    if (u.pathname === '/ok' || u.pathname === '/files/report.txt') {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-extra': 'yes' })
      return res.end(req.method === 'HEAD' ? undefined : 'hello body')
    }
    if (u.pathname === '/missing') return res.writeHead(404, { 'content-type': 'text/plain' }).end('no such thing')
    if (u.pathname === '/big-error') return res.writeHead(500).end(Buffer.alloc(64 * 1024, 0x78))
    if (u.pathname === '/gzip') {
      return res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('decoded text'))
    }
    if (u.pathname.startsWith('/redirect/')) {
      const n = Number(u.pathname.split('/')[2])
      return res.writeHead(302, { location: n > 1 ? `/redirect/${n - 1}` : '/ok' }).end('moved')
    }
    if (u.pathname === '/stall-head') return undefined // never answers
    if (u.pathname === '/stall-body') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      return res.write('first ') // and then silence
    }
    res.writeHead(400).end()
  })
}

test('-i prints the status line and headers before the body', async (t) => {
  const { url } = await site(t)
  const { code, stdout } = await runCli(['-i', `${url}/ok`])
  t.is(code, 0)
  const [head, body] = stdout.split('\r\n\r\n')
  const lines = head.split('\r\n')
  t.is(lines[0], 'HTTP 200 OK')
  t.true(lines.includes('content-type: text/plain'))
  t.true(lines.includes('x-extra: yes'))
  t.is(body, 'hello body')
})

test('-I sends HEAD and prints only the head', async (t) => {
  const { url } = await site(t)
  const { code, stdout } = await runCli(['-I', `${url}/ok`])
  t.is(code, 0)
  t.true(stdout.startsWith('HTTP 200 OK\r\n'))
  t.true(stdout.endsWith('\r\n\r\n'))
  t.false(stdout.includes('hello body'))
})

test('-o writes the body to a file and nothing to stdout', async (t) => {
  const { url } = await site(t)
  const file = path.join(tempDir(t), 'out.txt')
  const { code, stdout, stderr } = await runCli(['-o', file, `${url}/ok`])
  t.is(code, 0, stderr)
  t.is(stdout, '')
  t.is(stderr, '') // stderr is not a terminal: no progress line
  t.is(fs.readFileSync(file, 'utf8'), 'hello body')
})

test('-o - writes to stdout', async (t) => {
  const { url } = await site(t)
  const { code, stdout } = await runCli(['--output', '-', `${url}/ok`])
  t.is(code, 0)
  t.is(stdout, 'hello body')
})

test('-o to a path that cannot be written exits 23', async (t) => {
  const { url } = await site(t)
  const { code, stderr } = await runCli(['-o', path.join(tempDir(t), 'no', 'such', 'dir'), `${url}/ok`])
  t.is(code, 23)
  t.regex(stderr, /^ferrofetch: cannot write '.*dir' \(ENOENT\)\n$/)
})

test('-O names the file after the URL and writes it in the working directory', async (t) => {
  const { url } = await site(t)
  const dir = tempDir(t)
  const { code, stdout } = await runCli(['-O', `${url}/files/report.txt?v=2`], { cwd: dir })
  t.is(code, 0)
  t.is(stdout, '')
  t.is(fs.readFileSync(path.join(dir, 'report.txt'), 'utf8'), 'hello body')
})

test('-O without a file name in the URL exits 23', async (t) => {
  const { url } = await site(t)
  const { code, stderr } = await runCli(['-O', `${url}/`], { cwd: tempDir(t) })
  t.is(code, 23)
  t.regex(stderr, /-O needs a file name/)
})

test('without --fail an HTTP error is printed and exits 0', async (t) => {
  const { url } = await site(t)
  const { code, stdout, stderr } = await runCli([`${url}/missing`])
  t.is(code, 0)
  t.is(stdout, 'no such thing')
  t.is(stderr, '')
})

test('--fail exits 22 on a 404 with the small body and an error line on stderr', async (t) => {
  const { url } = await site(t)
  const { code, stdout, stderr } = await runCli(['--fail', `${url}/missing`])
  t.is(code, 22)
  t.is(stdout, '')
  t.is(stderr, `no such thing\nferrofetch: HTTP 404 Not Found from ${url}/missing (exit 22)\n`)
})

test('--fail does not copy a large error body to stderr', async (t) => {
  const { url } = await site(t)
  const { code, stderr } = await runCli(['-f', `${url}/big-error`])
  t.is(code, 22)
  t.is(stderr, `ferrofetch: HTTP 500 Internal Server Error from ${url}/big-error (exit 22)\n`)
})

test('-s hides the error line, -s -S shows it', async (t) => {
  const silent = await runCli(['-s', 'http://127.0.0.1:9/'])
  t.is(silent.code, 7)
  t.is(silent.stderr, '')
  const shown = await runCli(['-sS', 'http://127.0.0.1:9/'])
  t.is(shown.code, 7)
  t.is(shown.stderr, 'ferrofetch: connection refused (ECONNREFUSED) to 127.0.0.1:9\n')
})

test('redirects are followed by default and with -L', async (t) => {
  const { url } = await site(t)
  t.is((await runCli([`${url}/redirect/3`])).stdout, 'hello body')
  t.is((await runCli(['-L', `${url}/redirect/3`])).stdout, 'hello body')
})

test('--no-location prints the 3xx response itself; the last of -L and --no-location wins', async (t) => {
  const { url } = await site(t)
  const manual = await runCli(['-i', '--no-location', `${url}/redirect/1`])
  t.is(manual.code, 0)
  t.true(manual.stdout.startsWith('HTTP 302 Found\r\n'))
  t.regex(manual.stdout, /^location: \/ok\r$/m)
  t.true(manual.stdout.endsWith('moved'))
  t.is((await runCli(['--no-location', '-L', `${url}/redirect/1`])).stdout, 'hello body')
})

test('--max-redirs limits redirects: exit 47, too many redirects', async (t) => {
  const { url } = await site(t)
  t.is((await runCli(['--max-redirs', '3', `${url}/redirect/3`])).stdout, 'hello body')
  const { code, stderr } = await runCli(['--max-redirs', '2', `${url}/redirect/3`])
  t.is(code, 47)
  t.regex(stderr, /^ferrofetch: too many redirects \(ERR_FF_TOO_MANY_REDIRECTS\) to 127\.0\.0\.1:\d+\n$/)
})

test('a gzip body is decoded by default and with --compressed, passed through with --no-compressed', async (t) => {
  const { url } = await site(t)
  t.is((await runCli([`${url}/gzip`])).stdout, 'decoded text')
  t.is((await runCli(['--no-compressed', '--compressed', `${url}/gzip`])).stdout, 'decoded text')
  const raw = await runCli(['--no-compressed', `${url}/gzip`])
  t.deepEqual(raw.stdoutBytes, gzipSync('decoded text'))
})

test('--max-time runs out: exit 28', async (t) => {
  const { url } = await site(t)
  const { code, stderr } = await runCli(['--max-time', '0.3', `${url}/stall-head`])
  t.is(code, 28)
  t.regex(stderr, /^ferrofetch: timed out \(--max-time\) \(ERR_FF_TIMEOUT\) to 127\.0\.0\.1:\d+\n$/)
})

test('--read-timeout runs out mid-body: the part that came is printed, exit 28', async (t) => {
  const { url } = await site(t)
  const { code, stdout, stderr } = await runCli(['--read-timeout', '0.3', `${url}/stall-body`])
  t.is(code, 28)
  t.is(stdout, 'first ')
  t.regex(stderr, /\(ERR_FF_READ_TIMEOUT\)/)
})

test('--connect-timeout runs out: exit 28', async (t) => {
  const { url } = await blackHole(t)
  const { code, stderr } = await runCli(['--connect-timeout', '0.3', '--max-time', '15', url], { timeout: 40_000 })
  t.is(code, 28)
  t.regex(stderr, /\(ERR_FF_CONNECT_TIMEOUT\) to 127\.0\.0\.1:\d+/)
})

test('connection refused: exit 7 and the error line names it', async (t) => {
  const { code, stdout, stderr } = await runCli(['http://127.0.0.1:9/'])
  t.is(code, 7)
  t.is(stdout, '')
  t.is(stderr, 'ferrofetch: connection refused (ECONNREFUSED) to 127.0.0.1:9\n')
})

test('an unresolvable host: exit 6', async (t) => {
  const { code, stderr } = await runCli(['http://ferrofetch-test.invalid/'])
  t.is(code, 6)
  t.is(stderr, 'ferrofetch: could not resolve host (ENOTFOUND) ferrofetch-test.invalid:80\n')
})

test('an invalid HTTP reply: exit 8', async (t) => {
  const { url } = await tcpServer(t, (socket) => socket.once('data', () => socket.end('NOT HTTP AT ALL\r\n\r\n')))
  const { code, stderr } = await runCli([url])
  t.is(code, 8)
  t.regex(stderr, /\(ERR_FF_PROTOCOL\)/)
})

test('a body cut short: what came is printed, exit 18', async (t) => {
  const { url } = await tcpServer(t, (socket) => socket.once('data', () => {
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial')
  }))
  const { code, stdout, stderr } = await runCli([url])
  t.is(code, 18)
  t.is(stdout, 'partial')
  t.regex(stderr, /\(ERR_FF_INCOMPLETE_BODY\)/)
})

test('an unsupported scheme: exit 1; a malformed URL: exit 3', async (t) => {
  const ftp = await runCli(['ftp://127.0.0.1/x'])
  t.is(ftp.code, 1)
  t.regex(ftp.stderr, /\(ERR_FF_UNSUPPORTED_SCHEME\)/)
  const bad = await runCli(['http://[::1']) // unclosed IPv6 literal
  t.is(bad.code, 3)
  t.regex(bad.stderr, /^ferrofetch: malformed URL/)
})

test('bad flags print a short usage line and exit 2', async (t) => {
  for (const args of [['--no-such-flag', 'http://127.0.0.1:9/'], [], ['a', 'b'], ['--max-time', 'soon', 'x'],
    ['--max-redirs', '-1', 'x'], ['-H', 'no-colon', 'x'], ['--ndjson', 'x'], ['--cert', 'c.pem', 'x'], ['-o', 'f', '-O', 'x']]) {
    const { code, stdout, stderr } = await runCli(args)
    t.is(code, 2, args.join(' '))
    t.is(stdout, '')
    t.regex(stderr, /^ferrofetch: .+\nusage: ferrofetch \[options\] URL/, args.join(' '))
  }
})

test('--help lists every flag; --version prints the version', async (t) => {
  const help = await runCli(['--help'])
  t.is(help.code, 0)
  for (const flag of ['-X, --method', '-H, --header', '-d, --data', '--json', '-F, --form', '-T, --upload-file',
    '-u, --user', '-A, --user-agent', '-i, --include', '-I, --head', '-o, --output', '-O, --remote-name',
    '-f, --fail', '-s, --silent', '-S, --show-error', '-v, --verbose', '--sse', '--ndjson', '--reconnect',
    '-m, --max-time', '--connect-timeout', '--read-timeout', '-L, --location', '--no-location', '--max-redirs',
    '--compressed', '--no-compressed', '--http1.1', '--http2', '--http2-prior-knowledge', '-x, --proxy',
    '--noproxy', '--cacert', '-E, --cert', '--key', '-k, --insecure', '-h, --help', '-V, --version']) {
    t.true(help.stdout.includes(`  ${flag}`), flag)
  }
  t.is((await runCli(['-h'])).stdout, help.stdout)
  for (const flag of ['--version', '-V']) {
    const version = await runCli([flag])
    t.is(version.code, 0)
    t.is(version.stdout, `ferrofetch ${pkg.version}\n`)
  }
})

test("package.json's bin is the CLI, runnable on its own (shebang, executable)", async (t) => {
  const bin = fileURLToPath(new URL(`../${pkg.bin.ferrofetch}`, import.meta.url))
  t.is(bin, CLI)
  const child = spawn(bin, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const out = []
  child.stdout.on('data', (c) => out.push(c))
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  const [code] = await once(child, 'close')
  clearTimeout(timer)
  t.is(code, 0)
  t.is(Buffer.concat(out).toString(), `ferrofetch ${pkg.version}\n`)
})
