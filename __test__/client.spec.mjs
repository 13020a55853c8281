// Client settings: default headers and User-Agent, the redirect limit,
// default time limits and a request's own, close(), separate pools, and
// the checks new Client makes on its options.
import test from 'ava'
import fs from 'node:fs'
import { fetch, events, Client } from '../index.mjs'
import { httpServer } from './helpers/servers.mjs'
import { settle } from './helpers/differential.mjs'

const VERSION = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url))).version

/** A server answering with the request's headers as JSON. */
const echoServer = (t) => httpServer(t, (req, res) => res.end(JSON.stringify(req.headers)))

test('default headers are sent, and a request\'s own header replaces the default', async (t) => {
  const { url } = await echoServer(t)
  const client = new Client({ headers: { 'X-Api-Key': 'default', 'x-team': 'core' } })
  const plain = await (await client.fetch(url)).json()
  t.is(plain['x-api-key'], 'default')
  t.is(plain['x-team'], 'core')
  const own = await (await client.fetch(url, { headers: { 'x-api-key': 'mine' } })).json()
  t.is(own['x-api-key'], 'mine')
  t.is(own['x-team'], 'core')
})

test('default headers take a Headers object and header pairs', async (t) => {
  const { url } = await echoServer(t)
  const fromHeaders = new Client({ headers: new Headers({ 'x-from': 'headers' }) })
  t.is((await (await fromHeaders.fetch(url)).json())['x-from'], 'headers')
  const fromPairs = new Client({ headers: [['x-from', 'pairs']] })
  t.is((await (await fromPairs.fetch(url)).json())['x-from'], 'pairs')
})

test('the default User-Agent is ferrofetch/<package version>', async (t) => {
  const { url } = await echoServer(t)
  t.is((await (await fetch(url)).json())['user-agent'], `ferrofetch/${VERSION}`)
  t.is((await (await new Client().fetch(url)).json())['user-agent'], `ferrofetch/${VERSION}`)
})

test('userAgent is sent, and a request\'s own user-agent header wins', async (t) => {
  const { url } = await echoServer(t)
  const client = new Client({ userAgent: 'my-service/1.0' })
  t.is((await (await client.fetch(url)).json())['user-agent'], 'my-service/1.0')
  const own = await (await client.fetch(url, { headers: { 'user-agent': 'one-off/2' } })).json()
  t.is(own['user-agent'], 'one-off/2')
})

/** /hop/N redirects to /hop/N-1; /hop/0 answers "landed". Counts hits. */
async function redirectChain (t) {
  const hits = []
  const server = await httpServer(t, (req, res) => {
    hits.push(req.url)
    const n = Number(req.url.split('/')[2])
    if (n > 0) res.writeHead(302, { location: `/hop/${n - 1}` }).end()
    else res.end('landed')
  })
  return { ...server, hits }
}

test('maxRedirections: 2 follows two redirects', async (t) => {
  const { url, hits } = await redirectChain(t)
  const res = await new Client({ maxRedirections: 2 }).fetch(`${url}/hop/2`)
  t.is(await res.text(), 'landed')
  t.true(res.redirected)
  t.deepEqual(hits, ['/hop/2', '/hop/1', '/hop/0'])
})

test('maxRedirections: 2 fails on the third redirect with ERR_FF_TOO_MANY_REDIRECTS', async (t) => {
  const { url, hits } = await redirectChain(t)
  const err = await settle(new Client({ maxRedirections: 2 }).fetch(`${url}/hop/3`))
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ERR_FF_TOO_MANY_REDIRECTS')
  t.deepEqual(hits, ['/hop/3', '/hop/2', '/hop/1'])
})

test('maxRedirections: 0 fails on the first redirect; redirect: manual still returns it', async (t) => {
  const { url } = await redirectChain(t)
  const client = new Client({ maxRedirections: 0 })
  const err = await settle(client.fetch(`${url}/hop/1`))
  t.is(err.cause.code, 'ERR_FF_TOO_MANY_REDIRECTS')
  const res = await client.fetch(`${url}/hop/1`, { redirect: 'manual' })
  t.is(res.status, 302)
})

/**
 * A server that holds responses until the test releases them:
 * /head/ID sends nothing; /body/ID sends the head and "first", then waits.
 * `arrived(id)` resolves when the request reached the server.
 */
async function holdingServer (t) {
  const held = new Map()
  const waiters = new Map()
  const waiter = (id) => {
    if (!waiters.has(id)) {
      let resolve
      const promise = new Promise((_resolve) => { resolve = _resolve })
      waiters.set(id, { promise, resolve })
    }
    return waiters.get(id)
  }
  const server = await httpServer(t, (req, res) => {
    const [, kind, id] = req.url.split('/')
    held.set(id, { kind, res })
    if (kind === 'body') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('first ')
    }
    waiter(id).resolve()
  })
  const release = (id) => {
    const { kind, res } = held.get(id)
    if (kind === 'head') res.end('released')
    else res.end('last')
  }
  return { ...server, release, arrived: (id) => waiter(id).promise }
}

test('a client\'s timeout applies to its requests (TimeoutError, ERR_FF_TIMEOUT)', async (t) => {
  const { url } = await holdingServer(t)
  const err = await settle(new Client({ timeout: 100 }).fetch(`${url}/head/a`))
  t.is(err.name, 'TimeoutError')
  t.is(err.cause.code, 'ERR_FF_TIMEOUT')
})

test('a request\'s own timeout overrides the client\'s', async (t) => {
  const server = await holdingServer(t)
  const client = new Client({ timeout: 100 })
  // `long` starts first: had it kept the client's limit, it would have run
  // out before `short`'s did.
  const long = client.fetch(`${server.url}/head/long`, { timeout: 3_600_000 })
  await server.arrived('long')
  const err = await settle(client.fetch(`${server.url}/head/short`))
  t.is(err.cause.code, 'ERR_FF_TIMEOUT')
  server.release('long')
  t.is(await (await long).text(), 'released')
})

test('a client\'s readTimeout applies to its bodies (ERR_FF_READ_TIMEOUT)', async (t) => {
  const { url } = await holdingServer(t)
  const res = await new Client({ readTimeout: 100 }).fetch(`${url}/body/a`)
  t.is(res.status, 200)
  const err = await settle(res.text())
  t.is(err.name, 'TimeoutError')
  t.is(err.cause.code, 'ERR_FF_READ_TIMEOUT')
})

test('a request\'s own readTimeout overrides the client\'s', async (t) => {
  const server = await holdingServer(t)
  const client = new Client({ readTimeout: 100 })
  const long = await client.fetch(`${server.url}/body/long`, { readTimeout: 3_600_000 })
  const reader = long.body.getReader()
  const first = await reader.read()
  t.is(Buffer.from(first.value).toString(), 'first ')
  // `long` has been silent since before `short` was even sent.
  const short = await client.fetch(`${server.url}/body/short`)
  const err = await settle(short.text())
  t.is(err.cause.code, 'ERR_FF_READ_TIMEOUT')
  server.release('long')
  const rest = await reader.read()
  t.is(Buffer.from(rest.value).toString(), 'last')
  t.true((await reader.read()).done)
})

test('time limits too long for a timer (1e300 ms) mean no limit, and do not crash', async (t) => {
  const { url } = await echoServer(t)
  const client = new Client({ timeout: 1e300, connectTimeout: 1e300, readTimeout: 1e300, poolIdleTimeout: 1e300 })
  t.is((await client.fetch(url)).status, 200)
  const res = await fetch(url, { timeout: 1.8e22, connectTimeout: 1e300, readTimeout: Number.MAX_VALUE })
  t.is(res.status, 200)
  await res.text()
})

test('close() makes later requests fail with ERR_FF_CLIENT_CLOSED, and closed turns true', async (t) => {
  const { url } = await echoServer(t)
  const client = new Client()
  t.false(client.closed)
  t.is((await client.fetch(url)).status, 200)
  client.close()
  t.true(client.closed)
  const err = await settle(client.fetch(url))
  t.true(err instanceof TypeError)
  t.is(err.message, 'fetch failed')
  t.is(err.cause.code, 'ERR_FF_CLIENT_CLOSED')
  const viaInit = await settle(fetch(url, { client }))
  t.is(viaInit.cause.code, 'ERR_FF_CLIENT_CLOSED')
})

/** A server that counts the requests reaching it. */
async function requestCounter (t) {
  const stats = { requests: 0 }
  const server = await httpServer(t, (req, res) => {
    stats.requests++
    req.resume()
    res.end('ok')
  })
  return { ...server, stats }
}

test('after close(), events() fails on its first next() with ERR_FF_CLIENT_CLOSED, and does not retry', async (t) => {
  // As fetch() does: the call returns, the first step rejects. Retrying
  // could never succeed, so the error ends the iterator.
  const { url, stats } = await requestCounter(t)
  const client = new Client()
  client.close()
  const stream = client.events(url)
  const err = await settle(stream.next())
  t.true(err instanceof TypeError)
  t.is(err.message, 'fetch failed')
  t.is(err.cause.code, 'ERR_FF_CLIENT_CLOSED')
  t.deepEqual(await stream.next(), { value: undefined, done: true })
  const viaInit = await settle(events(url, { client }).next())
  t.is(viaInit.cause.code, 'ERR_FF_CLIENT_CLOSED')
  t.is(stats.requests, 0)
})

test('after close(), upload() rejects its response with ERR_FF_CLIENT_CLOSED, and every write fails with it', async (t) => {
  const { url, stats } = await requestCounter(t)
  const client = new Client()
  client.close()
  const { writable, response } = client.upload(url)
  const writer = writable.getWriter()
  // Written before the response has failed: still not queued for nobody.
  const firstWrite = settle(writer.write('first'))
  const err = await settle(response)
  t.true(err instanceof TypeError)
  t.is(err.message, 'fetch failed')
  t.is(err.cause.code, 'ERR_FF_CLIENT_CLOSED')
  t.is(await firstWrite, err)
  t.is(await settle(writer.write('second')), err)
  t.is(await settle(writer.closed), err)
  t.is(stats.requests, 0)
})

test('close() lets a request in flight finish', async (t) => {
  const server = await holdingServer(t)
  const client = new Client()
  const pending = client.fetch(`${server.url}/head/inflight`)
  await server.arrived('inflight')
  client.close()
  server.release('inflight')
  t.is(await (await pending).text(), 'released')
})

/** A server that counts the connections made to it. */
async function countingServer (t) {
  const server = await httpServer(t, (req, res) => res.end('ok'))
  const stats = { connections: 0 }
  server.server.on('connection', () => { stats.connections++ })
  return { ...server, stats }
}

test('one client reuses its kept-alive connection', async (t) => {
  const { url, stats } = await countingServer(t)
  const client = new Client()
  t.is(await (await client.fetch(url)).text(), 'ok')
  t.is(await (await client.fetch(url)).text(), 'ok')
  t.is(stats.connections, 1)
})

test('two clients have separate pools: one request through each makes two connections', async (t) => {
  const { url, stats } = await countingServer(t)
  const a = new Client()
  const b = new Client()
  t.is(await (await a.fetch(url)).text(), 'ok')
  t.is(await (await b.fetch(url)).text(), 'ok')
  t.is(stats.connections, 2)
  // Each keeps its own connection: a second round opens none.
  t.is(await (await a.fetch(url)).text(), 'ok')
  t.is(await (await b.fetch(url)).text(), 'ok')
  t.is(stats.connections, 2)
})

const BAD_OPTIONS = [
  [null, TypeError, /options/],
  ['fast', TypeError, /options/],
  [{ timeout: '100' }, TypeError, /'timeout'/],
  [{ timeout: -1 }, RangeError, /'timeout'/],
  [{ timeout: NaN }, TypeError, /'timeout'/],
  [{ timeout: Infinity }, RangeError, /'timeout'/],
  [{ connectTimeout: {} }, TypeError, /'connectTimeout'/],
  [{ connectTimeout: -5 }, RangeError, /'connectTimeout'/],
  [{ readTimeout: '1s' }, TypeError, /'readTimeout'/],
  [{ readTimeout: -0.5 }, RangeError, /'readTimeout'/],
  [{ poolIdleTimeout: true }, TypeError, /'poolIdleTimeout'/],
  [{ poolIdleTimeout: -1 }, RangeError, /'poolIdleTimeout'/],
  [{ poolMaxIdlePerHost: 1.5 }, TypeError, /'poolMaxIdlePerHost'/],
  [{ poolMaxIdlePerHost: '2' }, TypeError, /'poolMaxIdlePerHost'/],
  [{ poolMaxIdlePerHost: -1 }, RangeError, /'poolMaxIdlePerHost'/],
  [{ poolMaxIdlePerHost: 2 ** 32 }, RangeError, /'poolMaxIdlePerHost'/],
  [{ maxRedirections: '3' }, TypeError, /'maxRedirections'/],
  [{ maxRedirections: -1 }, RangeError, /'maxRedirections'/],
  [{ userAgent: 5 }, TypeError, /'userAgent'/],
  [{ userAgent: 'a\r\nx-injected: 1' }, TypeError, /'userAgent'/],
  [{ decompress: 'yes' }, TypeError, /'decompress'/],
  [{ decompress: 1 }, TypeError, /'decompress'/],
  [{ http: 'http3' }, TypeError, /'http'/],
  [{ http: 2 }, TypeError, /'http'/],
  [{ headers: 5 }, TypeError, /'headers'/],
  [{ headers: { 'bad name': 'x' } }, TypeError, /'headers'/],
  [{ headers: { 'x-ok': 'line\nbreak' } }, TypeError, /'headers'/],
  [{ headers: [['only-name']] }, TypeError, /'headers'/],
  [{ proxy: 42 }, TypeError, /'proxy'/],
  [{ proxy: 'no url' }, TypeError, /'proxy'/],
  [{ tls: 'insecure' }, TypeError, /'tls'/],
  [{ tls: { ca: 5 } }, TypeError, /'tls\.ca'/],
  [{ tls: { cert: 5, key: 5 } }, TypeError, /'tls\.cert'/],
  [{ tls: { dangerouslyAcceptInvalidCertificates: 1 } }, TypeError, /dangerouslyAcceptInvalidCertificates/]
]

test('bad option types and ranges throw TypeError or RangeError naming the option', (t) => {
  for (const [options, type, message] of BAD_OPTIONS) {
    const label = JSON.stringify(options) ?? String(options)
    const err = t.throws(() => new Client(options), undefined, label)
    t.is(err?.constructor, type, label)
    t.regex(err?.message ?? '', message, label)
  }
})

test('absent options (undefined, and null for the numbers, proxy and tls) are the defaults', (t) => {
  t.notThrows(() => new Client())
  t.notThrows(() => new Client({}))
  t.notThrows(() => new Client({ timeout: undefined, headers: undefined, http: undefined, decompress: undefined }))
  t.notThrows(() => new Client({ timeout: null, maxRedirections: null, proxy: null, tls: null }))
})
