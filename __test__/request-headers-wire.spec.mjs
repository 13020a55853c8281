// The request head on the wire, ferrofetch against Node's own fetch: header
// lines, their order and values, read by a raw TCP server.
import test from 'ava'
import * as ff from '../index.mjs'
import { rawRequestServer, response } from './helpers/raw-requests.mjs'

// Lines that legitimately differ: the client's name and the codings it
// decodes; Host and Connection, which hyper places and undici writes first.
const DIFFERS = new Set(['user-agent', 'accept-encoding', 'host', 'connection'])

/** The header lines one request sent, names lower-cased, without DIFFERS. */
async function sentLines (t, fetch, url, init) {
  const server = await rawRequestServer(t, () => response(200, 'ok'))
  const res = await fetch(server.url + url, init)
  await res.text()
  t.is(server.requests.length, 1)
  return server.requests[0].headers
    .map(([name, value]) => [name.toLowerCase(), value])
    .filter(([name]) => !DIFFERS.has(name))
}

/** The same request through Node's fetch and ferrofetch; `init(api)` builds init from either's classes. */
async function bothSend (t, url, init) {
  const node = await sentLines(t, globalThis.fetch, url, init(globalThis))
  const ours = await sentLines(t, ff.fetch, url, init(ff))
  return { node, ours }
}

test('headers appended twice under one name go out as one field joined by ", ", as from Node\'s fetch', async (t) => {
  const { node, ours } = await bothSend(t, '/', (api) => {
    const headers = new api.Headers()
    headers.append('x', '1')
    headers.append('x', '2')
    return { headers }
  })
  t.deepEqual(ours, node)
  t.deepEqual(ours.filter(([name]) => name === 'x'), [['x', '1, 2']])
})

test('repeated names in a header sequence of mixed case are combined in the first one\'s place', async (t) => {
  const init = () => ({ headers: [['X-One', 'a'], ['y', 'b'], ['x-one', 'c'], ['X-ONE', '']] })
  const { node, ours } = await bothSend(t, '/', init)
  t.deepEqual(ours, node)
  t.deepEqual(ours.slice(0, 2), [['x-one', 'a, c,'], ['y', 'b']])
})

test('a Cookie appended twice is sent as one field joined by "; ", as undici joins it', async (t) => {
  const init = () => ({ headers: [['cookie', 'a=1'], ['cookie', 'b=2']] })
  const { node, ours } = await bothSend(t, '/', init)
  t.deepEqual(ours, node)
  t.deepEqual(ours.find(([name]) => name === 'cookie'), ['cookie', 'a=1; b=2'])
})

test('a request made from a Headers keeps the order its names were first appended in', async (t) => {
  const { node, ours } = await bothSend(t, '/', (api) => {
    const headers = new api.Headers()
    for (const [name, value] of [['Zeta', '1'], ['alpha', '2'], ['ZETA', '3'], ['Mid', '4']]) headers.append(name, value)
    return { headers, method: 'POST', body: 'x' }
  })
  t.deepEqual(ours, node)
  t.deepEqual(ours.slice(0, 3).map(([name]) => name), ['zeta', 'alpha', 'mid'])
})

test('fetch adds Accept: */*, Accept-Language: * and Sec-Fetch-Mode: cors after the request\'s own headers, in Node\'s order', async (t) => {
  const { node, ours } = await bothSend(t, '/', () => ({ headers: { 'x-own': '1' } }))
  t.deepEqual(ours, node)
  t.deepEqual(ours, [['x-own', '1'], ['accept', '*/*'], ['accept-language', '*'], ['sec-fetch-mode', 'cors']])
})

test('a request\'s own Accept and Accept-Language are sent instead of the defaults', async (t) => {
  const init = () => ({ headers: { 'Accept-Language': 'fr-CH', accept: 'text/html' } })
  const { node, ours } = await bothSend(t, '/', init)
  t.deepEqual(ours, node)
  t.deepEqual(ours.filter(([name]) => name.startsWith('accept')), [['accept-language', 'fr-CH'], ['accept', 'text/html']])
})

test('Sec-Fetch-Mode is the request\'s mode and replaces one the request set', async (t) => {
  const init = () => ({ mode: 'no-cors', headers: { 'sec-fetch-mode': 'navigate' } })
  const { node, ours } = await bothSend(t, '/', init)
  t.deepEqual(ours, node)
  t.deepEqual(ours.filter(([name]) => name === 'sec-fetch-mode'), [['sec-fetch-mode', 'no-cors']])
})

test('a POST, PUT or PATCH without a body sends Content-Length: 0, as Node\'s fetch does', async (t) => {
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'GET']) {
    const { node, ours } = await bothSend(t, '/', () => ({ method }))
    t.deepEqual(ours, node, method)
  }
  const { ours } = await bothSend(t, '/', () => ({ method: 'POST' }))
  t.true(ours.some(([name, value]) => name === 'content-length' && value === '0'))
})

test('a body\'s Content-Type and Content-Length sit where Node\'s fetch puts them', async (t) => {
  const { node, ours } = await bothSend(t, '/', () => ({ method: 'POST', body: 'hello', headers: { 'x-a': '1' } }))
  t.deepEqual(ours, node)
})

test('the cache mode sends Cache-Control and Pragma as Node\'s fetch does', async (t) => {
  const inits = [
    { cache: 'no-cache' }, { cache: 'no-store' }, { cache: 'reload' }, { cache: 'force-cache' },
    { cache: 'no-cache', headers: { 'cache-control': 'max-age=5' } },
    { headers: { 'if-none-match': '"e"' } }, { cache: 'no-store', headers: { pragma: 'x' } }
  ]
  for (const init of inits) {
    const { node, ours } = await bothSend(t, '/', () => init)
    t.deepEqual(ours, node, JSON.stringify(init))
  }
  const { ours } = await bothSend(t, '/', () => ({ cache: 'no-store' }))
  t.deepEqual(ours.filter(([name]) => name === 'pragma' || name === 'cache-control'), [['pragma', 'no-cache'], ['cache-control', 'no-cache']])
})
