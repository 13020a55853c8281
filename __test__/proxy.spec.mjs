// Proxies: the `proxy` option (absolute-form requests for http://, CONNECT
// tunnels for https://, credentials from the URL), an https:// proxy,
// SOCKS5 (socks5:// and socks5h://), `proxy: false`, and the HTTP_PROXY /
// HTTPS_PROXY / NO_PROXY variables. Variables are read when a client is
// made, so those tests run a child process with its own env.
import test from 'ava'
import fs from 'node:fs'
import https from 'node:https'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { Client } from '../index.mjs'
import { httpServer, listenOnLoopback } from './helpers/servers.mjs'
import { certs } from './helpers/certs.mjs'
import { forwardProxy, socks5Proxy } from './helpers/proxies.mjs'
import { settle } from './helpers/differential.mjs'

const execFileP = promisify(execFile)

/** An https server on 127.0.0.1 with the test CA's certificate. */
async function httpsTarget (t) {
  const server = https.createServer({ key: certs().server.key, cert: certs().server.cert },
    (req, res) => res.end(`secure ${req.url}`))
  const { port } = await listenOnLoopback(t, server)
  return { url: `https://127.0.0.1:${port}`, port }
}

const plainTarget = (t) => httpServer(t, (req, res) => res.end(`plain ${req.url}`))

test('an http:// request goes through the proxy in absolute form', async (t) => {
  const proxy = await forwardProxy(t)
  const target = await plainTarget(t)
  const client = new Client({ proxy: proxy.url })
  const res = await client.fetch(`${target.url}/path?q=1`)
  t.is(await res.text(), 'plain /path?q=1')
  t.is(res.headers.get('x-proxy'), 'forwarded')
  t.deepEqual(proxy.seen.map((s) => [s.method, s.url]), [['GET', `${target.url}/path?q=1`]])
})

test('an https:// request goes through a CONNECT tunnel', async (t) => {
  const proxy = await forwardProxy(t)
  const target = await httpsTarget(t)
  const client = new Client({ proxy: proxy.url, tls: { ca: certs().ca } })
  const res = await client.fetch(`${target.url}/secret`)
  t.is(await res.text(), 'secure /secret')
  t.deepEqual(proxy.seen.map((s) => [s.method, s.url]), [['CONNECT', `127.0.0.1:${target.port}`]])
})

test('a URL object is accepted as the proxy', async (t) => {
  const proxy = await forwardProxy(t)
  const target = await plainTarget(t)
  const client = new Client({ proxy: new URL(proxy.url) })
  t.is(await (await client.fetch(target.url)).text(), 'plain /')
  t.is(proxy.seen.length, 1)
})

test('credentials in the proxy URL arrive as Proxy-Authorization Basic, on requests and on CONNECT', async (t) => {
  const proxy = await forwardProxy(t)
  const plain = await plainTarget(t)
  const secure = await httpsTarget(t)
  // Percent-encoded in the URL, sent decoded (as curl and undici do).
  const client = new Client({
    proxy: `http://us%20er:p%40ss@127.0.0.1:${proxy.port}`,
    tls: { ca: certs().ca }
  })
  t.is(await (await client.fetch(plain.url)).text(), 'plain /')
  t.is(await (await client.fetch(secure.url)).text(), 'secure /')
  const expected = 'Basic ' + Buffer.from('us er:p@ss').toString('base64')
  t.deepEqual(proxy.seen.map((s) => [s.method, s.auth]), [['GET', expected], ['CONNECT', expected]])
})

test('without credentials in the proxy URL no Proxy-Authorization is sent', async (t) => {
  const proxy = await forwardProxy(t)
  const target = await plainTarget(t)
  await (await new Client({ proxy: proxy.url }).fetch(target.url)).text()
  t.is(proxy.seen[0].auth, undefined)
})

test('invalid proxy values throw at new Client, naming the option', (t) => {
  const cases = [
    ['not a url', TypeError],
    ['ftp://127.0.0.1:21', TypeError],
    ['file:///tmp/proxy', TypeError],
    [42, TypeError],
    [true, TypeError],
    [{ href: 'http://127.0.0.1:1' }, TypeError]
  ]
  for (const [proxy, type] of cases) {
    t.throws(() => new Client({ proxy }), { instanceOf: type, message: /proxy/ }, String(proxy))
  }
})

// ---- an https:// proxy: the connection to the proxy is itself TLS, and its
// certificate is verified against the same roots as the targets' (tls.ca).

test('an https:// proxy trusted through tls.ca forwards an http:// request', async (t) => {
  const proxy = await forwardProxy(t, { tls: certs().server })
  const target = await plainTarget(t)
  const client = new Client({ proxy: proxy.url, tls: { ca: certs().ca } })
  const res = await client.fetch(`${target.url}/over-tls`)
  t.is(await res.text(), 'plain /over-tls')
  t.is(res.headers.get('x-proxy'), 'forwarded')
  t.deepEqual(proxy.seen.map((s) => [s.method, s.url]), [['GET', `${target.url}/over-tls`]])
})

test('an https:// proxy tunnels an https:// request: TLS to the target inside TLS to the proxy', async (t) => {
  const proxy = await forwardProxy(t, { tls: certs().server })
  const target = await httpsTarget(t)
  const client = new Client({ proxy: proxy.url, tls: { ca: certs().ca } })
  t.is(await (await client.fetch(`${target.url}/nested`)).text(), 'secure /nested')
  t.deepEqual(proxy.seen.map((s) => [s.method, s.url]), [['CONNECT', `127.0.0.1:${target.port}`]])
})

test('an https:// proxy whose certificate is not trusted fails with ERR_FF_TLS, sending nothing', async (t) => {
  const proxy = await forwardProxy(t, { tls: certs().server })
  const target = await plainTarget(t)
  const err = await settle(new Client({ proxy: proxy.url }).fetch(target.url))
  t.true(err instanceof TypeError)
  t.is(err.message, 'fetch failed')
  t.is(err.cause.code, 'ERR_FF_TLS')
  t.deepEqual(proxy.seen, [])
})

// ---- SOCKS5: socks5:// resolves names locally and sends an address;
// socks5h:// lets the proxy resolve them and sends the name.

test('socks5:// with user:pass carries an http:// request, authenticating with RFC 1929', async (t) => {
  const proxy = await socks5Proxy(t, { credentials: { user: 'user', pass: 'pass' } })
  const target = await plainTarget(t)
  const client = new Client({ proxy: `socks5://user:pass@127.0.0.1:${proxy.port}` })
  t.is(await (await client.fetch(`${target.url}/socks?q=1`)).text(), 'plain /socks?q=1')
  t.is(proxy.seen.length, 1)
  const [seen] = proxy.seen
  t.true(seen.methods.includes(0x02))
  t.like(seen, { user: 'user', pass: 'pass', atyp: 'ipv4', host: '127.0.0.1', port: target.port })
})

test('socks5:// carries an https:// request: TLS runs end to end through the tunnel', async (t) => {
  const proxy = await socks5Proxy(t, { credentials: { user: 'user', pass: 'pass' } })
  const target = await httpsTarget(t)
  const client = new Client({ proxy: `socks5://user:pass@127.0.0.1:${proxy.port}`, tls: { ca: certs().ca } })
  t.is(await (await client.fetch(`${target.url}/tunnel`)).text(), 'secure /tunnel')
  t.like(proxy.seen[0], { user: 'user', atyp: 'ipv4', host: '127.0.0.1', port: target.port })
})

test('socks5:// without credentials offers no authentication', async (t) => {
  const proxy = await socks5Proxy(t)
  const target = await plainTarget(t)
  const client = new Client({ proxy: `socks5://127.0.0.1:${proxy.port}` })
  t.is(await (await client.fetch(target.url)).text(), 'plain /')
  t.deepEqual(proxy.seen[0].methods, [0x00])
  t.is(proxy.seen[0].user, undefined)
})

test('percent-encoded socks5 credentials are sent decoded, as for an http proxy', async (t) => {
  const proxy = await socks5Proxy(t, { credentials: { user: 'us er', pass: 'p@ss' } })
  const target = await plainTarget(t)
  const client = new Client({ proxy: `socks5://us%20er:p%40ss@127.0.0.1:${proxy.port}` })
  t.is(await (await client.fetch(target.url)).text(), 'plain /')
  t.like(proxy.seen[0], { user: 'us er', pass: 'p@ss' })
})

/** The codes listed in the README's error table. */
function documentedCodes () {
  const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  return [...readme.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1])
}

test('wrong socks5 credentials fail with TypeError(\'fetch failed\') and a documented cause.code', async (t) => {
  const proxy = await socks5Proxy(t, { credentials: { user: 'user', pass: 'pass' } })
  const target = await plainTarget(t)
  let requests = 0
  target.server.on('request', () => { requests++ })
  const client = new Client({ proxy: `socks5://user:wrong@127.0.0.1:${proxy.port}` })
  const err = await settle(client.fetch(target.url))
  t.true(err instanceof TypeError)
  t.is(err.message, 'fetch failed')
  t.is(typeof err.cause.code, 'string')
  t.true(documentedCodes().includes(err.cause.code), err.cause.code)
  t.is(err.cause.code, 'ERR_FF_CONNECT')
  t.like(proxy.seen[0], { user: 'user', pass: 'wrong' })
  // The proxy refused before any CONNECT: the request never reached the target.
  t.is(proxy.seen[0].atyp, undefined)
  t.is(requests, 0)
})

test('socks5h:// sends the host name to the proxy (domain address type)', async (t) => {
  const proxy = await socks5Proxy(t, { credentials: { user: 'user', pass: 'pass' } })
  const target = await plainTarget(t)
  const client = new Client({ proxy: `socks5h://user:pass@127.0.0.1:${proxy.port}` })
  t.is(await (await client.fetch(`http://localhost:${target.port}/named`)).text(), 'plain /named')
  t.like(proxy.seen[0], { user: 'user', pass: 'pass', atyp: 'domain', host: 'localhost', port: target.port })
})

test('socks5h:// sends an IPv6 literal as the IPv6 address type', async (t) => {
  // The client only talks to the proxy on 127.0.0.1, and the proxy serves
  // ::1 by connecting to 127.0.0.1: nothing connects to ::1 itself.
  const proxy = await socks5Proxy(t)
  const target = await plainTarget(t)
  const client = new Client({ proxy: `socks5h://127.0.0.1:${proxy.port}` })
  t.is(await (await client.fetch(`http://[::1]:${target.port}/v6`)).text(), 'plain /v6')
  t.like(proxy.seen[0], { atyp: 'ipv6', host: '::1', port: target.port })
})

// ---- the environment: each case runs in a child process with its own env.

const ENTRY = new URL('../index.mjs', import.meta.url).href
const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'REQUEST_METHOD']

/** This process's env without any proxy variable (either case), plus `vars`. */
function envWith (vars) {
  const env = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!PROXY_VARS.includes(k.toUpperCase())) env[k] = v
  }
  return { ...env, ...vars }
}

/**
 * Fetches `urls` one after the other in a child process whose env is
 * `vars`, through a Client made with `options` (the default client when
 * null). Resolves to `[{ status, body } | { error }]`.
 */
async function fetchInChild (vars, urls, options = null) {
  const script = `
    import { fetch, Client } from ${JSON.stringify(ENTRY)}
    const options = JSON.parse(process.argv[1])
    const go = options === null ? fetch : (u) => new Client(options).fetch(u)
    const out = []
    for (const url of process.argv.slice(2)) {
      try {
        const res = await go(url)
        out.push({ status: res.status, body: await res.text() })
      } catch (e) {
        out.push({ error: e.cause?.code ?? e.message })
      }
    }
    process.stdout.write(JSON.stringify(out))
  `
  const { stdout } = await execFileP(process.execPath,
    ['--input-type=module', '-e', script, JSON.stringify(options), ...urls],
    { env: envWith(vars), timeout: 30_000 })
  return JSON.parse(stdout)
}

test('HTTP_PROXY (NO_PROXY unset) sends http:// requests through the proxy, also to 127.0.0.1', async (t) => {
  const proxy = await forwardProxy(t)
  const target = await plainTarget(t)
  const out = await fetchInChild({ HTTP_PROXY: proxy.url }, [`${target.url}/env`])
  t.deepEqual(out, [{ status: 200, body: 'plain /env' }])
  t.deepEqual(proxy.seen.map((s) => s.url), [`${target.url}/env`])
})

test('lower-case http_proxy works too', async (t) => {
  const proxy = await forwardProxy(t)
  const target = await plainTarget(t)
  const out = await fetchInChild({ http_proxy: proxy.url }, [`${target.url}/lower`])
  t.deepEqual(out, [{ status: 200, body: 'plain /lower' }])
  t.is(proxy.seen.length, 1)
})

test('HTTP_PROXY has no implicit exception for localhost: it goes to the proxy unless NO_PROXY names it', async (t) => {
  // The proxy answers localhost requests itself (it connects to 127.0.0.1
  // only); had the request bypassed it, it would have reached the proxy's
  // port in origin form, and `seen` would say so.
  const proxy = await forwardProxy(t)
  const url = `http://localhost:${proxy.port}/loop`
  const out = await fetchInChild({ HTTP_PROXY: proxy.url }, [url])
  t.is(out[0].status, 502)
  t.deepEqual(proxy.seen.map((s) => s.url), [url])
})

test('NO_PROXY=127.0.0.1 makes requests to 127.0.0.1 bypass HTTP_PROXY', async (t) => {
  const proxy = await forwardProxy(t)
  const target = await plainTarget(t)
  const out = await fetchInChild({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }, [`${target.url}/direct`])
  t.deepEqual(out, [{ status: 200, body: 'plain /direct' }])
  t.deepEqual(proxy.seen, [])
})

test('NO_PROXY takes a list and CIDR ranges', async (t) => {
  const proxy = await forwardProxy(t)
  const target = await plainTarget(t)
  const out = await fetchInChild({ HTTP_PROXY: proxy.url, NO_PROXY: 'example.invalid, 127.0.0.0/8' }, [target.url])
  t.deepEqual(out, [{ status: 200, body: 'plain /' }])
  t.deepEqual(proxy.seen, [])
})

test('HTTPS_PROXY tunnels https:// requests; HTTP_PROXY alone does not apply to them', async (t) => {
  const proxy = await forwardProxy(t)
  const target = await httpsTarget(t)
  const options = { tls: { ca: certs().ca } }
  const direct = await fetchInChild({ HTTP_PROXY: proxy.url }, [target.url], options)
  t.deepEqual(direct, [{ status: 200, body: 'secure /' }])
  t.deepEqual(proxy.seen, [])
  const tunnelled = await fetchInChild({ HTTPS_PROXY: proxy.url }, [target.url], options)
  t.deepEqual(tunnelled, [{ status: 200, body: 'secure /' }])
  t.deepEqual(proxy.seen.map((s) => s.method), ['CONNECT'])
})

test('proxy: false bypasses the proxy even when HTTP_PROXY is set', async (t) => {
  const proxy = await forwardProxy(t)
  const target = await plainTarget(t)
  const out = await fetchInChild({ HTTP_PROXY: proxy.url }, [`${target.url}/nope`], { proxy: false })
  t.deepEqual(out, [{ status: 200, body: 'plain /nope' }])
  t.deepEqual(proxy.seen, [])
})

test('a proxy option wins over HTTP_PROXY', async (t) => {
  const envProxy = await forwardProxy(t)
  const optionProxy = await forwardProxy(t)
  const target = await plainTarget(t)
  const out = await fetchInChild({ HTTP_PROXY: envProxy.url }, [target.url], { proxy: optionProxy.url })
  t.deepEqual(out, [{ status: 200, body: 'plain /' }])
  t.deepEqual(envProxy.seen, [])
  t.is(optionProxy.seen.length, 1)
})
