// The CLI's transport flags: HTTP versions, TLS (--cacert, --cert/--key,
// -k, and exit 35 when verification fails), proxies (-x, --noproxy).
import test from 'ava'
import fs from 'node:fs'
import http2 from 'node:http2'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import { certs } from './helpers/certs.mjs'
import { httpServer, listenOnLoopback } from './helpers/servers.mjs'
import { forwardProxy } from './helpers/proxies.mjs'
import { runCli } from './helpers/cli.mjs'

/** The test PEMs as files, for the flags that take a file. */
function pemFiles (t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrofetch-cli-pem-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const write = (name, text) => {
    fs.writeFileSync(path.join(dir, name), text)
    return path.join(dir, name)
  }
  const c = certs()
  return { ca: write('ca.pem', c.ca), cert: write('client.pem', c.client.cert), key: write('client.key', c.client.key) }
}

/** An HTTP/2 server (TLS, HTTP/1.1 allowed, or cleartext) answering with the HTTP version it saw. */
async function versionServer (t, { cleartext = false } = {}) {
  const onRequest = (req, res) => res.end(`HTTP/${req.httpVersion}`)
  const server = cleartext
    ? http2.createServer(onRequest)
    : http2.createSecureServer({ key: certs().server.key, cert: certs().server.cert, allowHTTP1: true }, onRequest)
  const sessions = new Set()
  server.on('session', (s) => {
    sessions.add(s)
    s.on('close', () => sessions.delete(s))
  })
  const { port } = await listenOnLoopback(t, server, () => { for (const s of sessions) s.destroy() })
  return `${cleartext ? 'http' : 'https'}://127.0.0.1:${port}`
}

test('over TLS HTTP/2 is negotiated by default and with --http2; --http1.1 keeps HTTP/1.1', async (t) => {
  const url = await versionServer(t)
  const { ca } = pemFiles(t)
  t.is((await runCli(['--cacert', ca, url])).stdout, 'HTTP/2.0')
  t.is((await runCli(['--http2', '--cacert', ca, url])).stdout, 'HTTP/2.0')
  t.is((await runCli(['--http1.1', '--cacert', ca, url])).stdout, 'HTTP/1.1')
})

test('--http2-prior-knowledge speaks HTTP/2 over cleartext', async (t) => {
  const url = await versionServer(t, { cleartext: true })
  const { code, stdout, stderr } = await runCli(['--http2-prior-knowledge', url])
  t.is(code, 0, stderr)
  t.is(stdout, 'HTTP/2.0')
})

async function httpsServer (t, options) {
  const server = https.createServer(options, (req, res) => {
    res.end(req.socket.getPeerCertificate?.()?.subject?.CN ? `client ${req.socket.getPeerCertificate().subject.CN}` : 'secure')
  })
  server.on('tlsClientError', () => {})
  const { port } = await listenOnLoopback(t, server)
  return `https://127.0.0.1:${port}`
}

const caSigned = () => ({ key: certs().server.key, cert: certs().server.cert })

test('a certificate from an unknown CA: exit 35 naming ERR_FF_TLS; --cacert trusts it', async (t) => {
  const url = await httpsServer(t, caSigned())
  const failed = await runCli([url])
  t.is(failed.code, 35)
  t.regex(failed.stderr, /^ferrofetch: TLS handshake or certificate verification failed \(ERR_FF_TLS\) to 127\.0\.0\.1:\d+\n$/)
  const trusted = await runCli(['--cacert', pemFiles(t).ca, url])
  t.is(trusted.code, 0, trusted.stderr)
  t.is(trusted.stdout, 'secure')
})

test('-k accepts a self-signed certificate', async (t) => {
  const url = await httpsServer(t, { key: certs().selfSigned.key, cert: certs().selfSigned.cert })
  t.is((await runCli([url])).code, 35)
  const insecure = await runCli(['-k', url])
  t.is(insecure.code, 0, insecure.stderr)
  t.is(insecure.stdout, 'secure')
  t.is((await runCli(['--insecure', url])).stdout, 'secure')
})

test('--cert and --key present a client certificate', async (t) => {
  const url = await httpsServer(t, { ...caSigned(), ca: certs().ca, requestCert: true, rejectUnauthorized: true })
  const { ca, cert, key } = pemFiles(t)
  const { code, stdout, stderr } = await runCli(['--cacert', ca, '--cert', cert, '--key', key, url])
  t.is(code, 0, stderr)
  t.is(stdout, `client ${certs().client.cn}`)
  t.not((await runCli(['--cacert', ca, url])).code, 0)
})

test('a --cacert file that does not exist: exit 26 before any request', async (t) => {
  const { code, stderr } = await runCli(['--cacert', '/nonexistent/ca.pem', 'https://127.0.0.1:9/'])
  t.is(code, 26)
  t.regex(stderr, /^ferrofetch: cannot read CA file '\/nonexistent\/ca\.pem' \(ENOENT\)\n$/)
})

test('-x sends the request through the proxy', async (t) => {
  const proxy = await forwardProxy(t)
  const target = await httpServer(t, (req, res) => res.end(`target ${req.url}`))
  const { code, stdout, stderr } = await runCli(['-x', proxy.url, `${target.url}/p?q=1`])
  t.is(code, 0, stderr)
  t.is(stdout, 'target /p?q=1')
  t.deepEqual(proxy.seen.map((s) => [s.method, s.url]), [['GET', `${target.url}/p?q=1`]])
})

test('--noproxy lists hosts that bypass -x, and * bypasses it for all', async (t) => {
  const proxy = await forwardProxy(t)
  const target = await httpServer(t, (req, res) => res.end('direct or not'))
  for (const args of [['--noproxy', '127.0.0.1'], ['--noproxy', 'example.com,127.0.0.1'], ['--noproxy', '*']]) {
    const { code, stdout } = await runCli(['-x', proxy.url, ...args, target.url])
    t.is(code, 0, args.join(' '))
    t.is(stdout, 'direct or not')
  }
  t.is(proxy.seen.length, 0)
  const { code } = await runCli(['-x', proxy.url, '--noproxy', 'example.com', target.url])
  t.is(code, 0)
  t.is(proxy.seen.length, 1, 'a host not on the list still goes through the proxy')
})

test('HTTP_PROXY in the environment is honoured, and -x wins over it', async (t) => {
  const envProxy = await forwardProxy(t)
  const flagProxy = await forwardProxy(t)
  const target = await httpServer(t, (req, res) => res.end('ok'))
  t.is((await runCli([target.url], { env: { HTTP_PROXY: envProxy.url } })).stdout, 'ok')
  t.is((await runCli(['-x', flagProxy.url, target.url], { env: { HTTP_PROXY: envProxy.url } })).stdout, 'ok')
  t.is(envProxy.seen.length, 1)
  t.is(flagProxy.seen.length, 1)
})
