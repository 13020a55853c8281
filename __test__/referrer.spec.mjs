// `referrer` and `referrerPolicy` on the wire: the Referer header a server
// sees, per the Referrer Policy spec's "determine request's referrer", on
// the first request and on every redirect; differential against Node's fetch.
import test from 'ava'
import * as ff from '../index.mjs'
import { fetch as undiciFetch } from 'undici'
import { rawRequestServer, response } from './helpers/raw-requests.mjs'

const FETCHES = [['Node\'s fetch', globalThis.fetch], ['ferrofetch', ff.fetch]]
const POLICIES = ['', 'no-referrer', 'no-referrer-when-downgrade', 'same-origin', 'origin', 'strict-origin',
  'origin-when-cross-origin', 'strict-origin-when-cross-origin', 'unsafe-url']

function refererOf (request) {
  const line = request.headers.find(([name]) => name.toLowerCase() === 'referer')
  return line === undefined ? null : line[1]
}

/**
 * The Referer of each request (redirects included) that one fetch made,
 * the server's own origin written `SERVER` (each fetch gets its own port).
 */
async function referersSent (t, fetch, path, init, answer = () => response(200, 'ok')) {
  const server = await rawRequestServer(t, (request) => answer(request, server))
  const res = await fetch(server.url + path(server), init(server))
  await res.text()
  return server.requests.map((request) => refererOf(request)?.replace(server.url, 'SERVER') ?? null)
}

async function bothSend (t, path, init, answer, reference = globalThis.fetch) {
  const node = await referersSent(t, reference, path, init, answer)
  const ours = await referersSent(t, ff.fetch, path, init, answer)
  return { node, ours }
}

const NODE_MAJOR = Number(process.versions.node.split('.')[0])

test('no Referer is sent by default (the referrer is "client", and Node has no client URL)', async (t) => {
  const { node, ours } = await bothSend(t, () => '/', () => ({}))
  t.deepEqual(ours, node)
  t.deepEqual(ours, [null])
})

test('a cross-origin referrer is sent as its origin by default, without credentials or fragment', async (t) => {
  const init = () => ({ referrer: 'http://user:pw@elsewhere.test:8080/page?q=1#frag' })
  const { node, ours } = await bothSend(t, () => '/', init)
  t.deepEqual(ours, node)
  t.deepEqual(ours, ['http://elsewhere.test:8080/'])
})

test('a same-origin referrer is sent whole by default, without its fragment', async (t) => {
  const init = (server) => ({ referrer: `${server.url}/from/page?q=1#frag` })
  const { node, ours } = await bothSend(t, () => '/to', init)
  t.deepEqual(ours, node)
  t.deepEqual(ours, ['SERVER/from/page?q=1'])
})

// Compared with undici 7 (the dev dependency): Node 20's bundled undici 6
// reduces several of these differently from the spec (it sends the origin
// under "no-referrer" for a same-origin referrer, for one).
const REFERRERS = {
  'same-origin': (server) => `${server.url}/page?x=1`,
  'cross-origin https': () => 'https://elsewhere.test/page?x=1',
  'cross-origin http': () => 'http://elsewhere.test/page'
}
// undici compares the request's origin (it has none) rather than its URL's
// in these two policies, so it never sees a same-origin referrer; the spec
// (Referrer Policy §8.3 step 8) sends the whole URL.
const UNDICI_SEES_NO_SAME_ORIGIN = new Set(['same-origin', 'origin-when-cross-origin'])

for (const policy of POLICIES) {
  test(`referrerPolicy "${policy}" reduces a same-origin and a cross-origin referrer per the Referrer Policy spec`, async (t) => {
    for (const [kind, referrer] of Object.entries(REFERRERS)) {
      const init = (server) => ({ referrer: referrer(server), referrerPolicy: policy })
      const { node, ours } = await bothSend(t, () => '/', init, undefined, undiciFetch)
      if (kind === 'same-origin' && UNDICI_SEES_NO_SAME_ORIGIN.has(policy)) t.deepEqual(ours, ['SERVER/page?x=1'], policy)
      else t.deepEqual(ours, node, `${policy}, ${kind}`)
    }
  })
}

test('the Referer is recomputed on a redirect to another origin', async (t) => {
  // 127.0.0.1 and localhost are different origins of the same server.
  const path = () => '/start'
  const init = (server) => ({ referrer: `${server.url}/page?x=1#f` })
  const answer = (request, server) => request.requestLine.startsWith('GET /start')
    ? response(302, '', `location: http://localhost:${server.port}/next\r\n`)
    : response(200, 'ok')
  const { node, ours } = await bothSend(t, path, init, answer)
  t.deepEqual(ours, node)
  t.deepEqual(ours, ['SERVER/page?x=1', 'SERVER/'])
})

// Compared with undici 7: Node 20's undici 6 keeps sending the earlier
// Referer after a redirect that says `no-referrer` (fixed in undici 7).
test('a redirect\'s Referrer-Policy header sets the policy for the next request', async (t) => {
  const init = () => ({ referrer: 'http://elsewhere.test/page', referrerPolicy: 'unsafe-url' })
  const answer = (request) => request.requestLine.startsWith('GET /start')
    ? response(307, '', 'location: /next\r\nreferrer-policy: bogus, origin\r\n')
    : request.requestLine.startsWith('GET /next')
      ? response(307, '', 'location: /last\r\nreferrer-policy: no-referrer\r\n')
      : response(200, 'ok')
  const { node, ours } = await bothSend(t, () => '/start', init, answer, undiciFetch)
  t.deepEqual(ours, node)
  t.deepEqual(ours, ['http://elsewhere.test/page', 'http://elsewhere.test/', null])
})

test('a Request carries its referrer and policy to fetch', async (t) => {
  for (const [name, fetch] of FETCHES) {
    const server = await rawRequestServer(t, () => response(200, 'ok'))
    const Request = fetch === ff.fetch ? ff.Request : globalThis.Request
    const request = new Request(server.url + '/', { referrer: 'http://elsewhere.test/a?b', referrerPolicy: 'unsafe-url' })
    t.is(request.referrer, 'http://elsewhere.test/a?b', name)
    t.is(request.referrerPolicy, 'unsafe-url', name)
    await (await fetch(request)).text()
    // Node 24's fetch sends no Referer for a Request made by its own class
    // (Node 20 and 22 do); ferrofetch sends it on every version.
    if (fetch === ff.fetch || NODE_MAJOR < 24) t.deepEqual(server.requests.map(refererOf), ['http://elsewhere.test/a?b'], name)
  }
})

test('referrer "" and about:client send no Referer', async (t) => {
  for (const referrer of ['', 'about:client']) {
    const { node, ours } = await bothSend(t, () => '/', () => ({ referrer, referrerPolicy: 'unsafe-url' }))
    t.deepEqual(ours, node, referrer)
    t.deepEqual(ours, [null], referrer)
  }
})
