// Builds (when stale) and starts crates/bench-server. Kept separate from the
// bench runner so tests and the demo can start the same server.

import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const CRATE = join(ROOT, 'crates', 'bench-server')
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(ROOT, 'target')
export const SERVER_BIN = join(TARGET, 'release', 'ferrofetch-bench-server')
/** The upload reference (src/bin/raw_upload.rs), built with the server. */
export const RAW_UPLOAD_BIN = join(TARGET, 'release', 'ferrofetch-raw-upload')
const OPENSSL = process.env.OPENSSL ?? (existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : 'openssl')

function newestMtime (path) {
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  let newest = st.mtimeMs
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)))
  return newest
}

/**
 * Runs `cargo build --release -p ferrofetch-bench-server` unless its binaries
 * are newer than the crate's sources. Skipping the no-op build matters because
 * cargo blocks on the shared target dir while other builds run.
 * `force` (or BENCH_REBUILD=1) always builds.
 */
export function buildServer ({ force = process.env.BENCH_REBUILD === '1' } = {}) {
  const fresh = (bin) => existsSync(bin) && statSync(bin).mtimeMs >= newestMtime(CRATE)
  if (!force && fresh(SERVER_BIN) && fresh(RAW_UPLOAD_BIN)) return
  const res = spawnSync('cargo', ['build', '--release', '-p', 'ferrofetch-bench-server'], {
    cwd: ROOT,
    stdio: 'inherit',
  })
  if (res.error) throw res.error
  if (res.status !== 0) throw new Error(`cargo build failed with status ${res.status}`)
}

/**
 * Writes a throwaway CA and a server certificate for IP 127.0.0.1 (both
 * P-256, valid two days) into a new temp dir with the openssl CLI.
 * Returns { dir, caFile, certFile, keyFile }; the caller removes `dir`.
 */
export function makeTlsFiles () {
  const dir = mkdtempSync(join(tmpdir(), 'ferrofetch-bench-tls-'))
  const file = (name) => join(dir, name)
  const openssl = (...args) => execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  try {
    openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2',
      '-subj', '/CN=ferrofetch bench CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1')
    writeFileSync(file('server.ext'), [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1',
      '',
    ].join('\n'))
    openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
      '-CAcreateserial', '-days', '2', '-sha256', '-extfile', file('server.ext'), '-out', file('server.pem'))
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    const detail = err.stderr ? `: ${String(err.stderr).trim().split('\n').pop()}` : ''
    throw new Error(`making the bench TLS certificate failed (${err.message.split('\n')[0]})${detail}`)
  }
  return { dir, caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') }
}

/**
 * Starts the server on an ephemeral port and resolves once it printed
 * `LISTENING <port>`. Its stdin stays a pipe we own: the server exits when the
 * pipe closes, so it cannot outlive this process even after a crash.
 *
 * With `tls: true` it first makes a throwaway CA and certificate
 * (makeTlsFiles), and the server also listens with TLS (ALPN h2, http/1.1);
 * the result then has `tlsPort`, `tlsBaseUrl` (https://127.0.0.1:port) and
 * `caFile` (PEM to trust). stop() removes the certificate files.
 */
export function startServer ({ timeoutMs = 10_000, tls = false } = {}) {
  const files = tls ? makeTlsFiles() : undefined
  const args = ['--port', '0']
  if (files) args.push('--tls-cert', files.certFile, '--tls-key', files.keyFile)
  const child = spawn(SERVER_BIN, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  child.stdin.on('error', () => {}) // EPIPE if the server died first; nothing to do.
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    child.stdin.destroy()
    if (files) rmSync(files.dir, { recursive: true, force: true })
  }
  return new Promise((_resolve, reject) => {
    let out = ''
    const fail = (err) => {
      clearTimeout(timer)
      stop()
      reject(err)
    }
    const timer = setTimeout(() => fail(new Error(`bench server not ready after ${timeoutMs} ms`)), timeoutMs)
    child.once('error', fail)
    child.once('exit', (code, signal) => fail(new Error(`bench server exited early (${code ?? signal})`)))
    child.stdout.on('data', (chunk) => {
      out += chunk
      const m = /^LISTENING (\d+)$/m.exec(out)
      const t = /^LISTENING_TLS (\d+)$/m.exec(out)
      if (!m || (files && !t)) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      child.stdout.removeAllListeners('data')
      child.stdout.resume()
      const port = Number(m[1])
      const server = { port, baseUrl: `http://127.0.0.1:${port}`, child, stop }
      if (files) {
        server.tlsPort = Number(t[1])
        server.tlsBaseUrl = `https://127.0.0.1:${server.tlsPort}`
        server.caFile = files.caFile
      }
      _resolve(server)
    })
  })
}
