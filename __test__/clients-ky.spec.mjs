// ky with `fetch: ferrofetch.fetch` (its documented option), run with Node's
// fetch and with ferrofetch's against the same loopback server and compared.
// ky always calls fetch(new globalThis.Request(url, options), rest): the
// input is Node's own Request class, not ferrofetch's.
import test from 'ava'
import ky from 'ky'
import { within, runBoth, describeError } from './helpers/differential.mjs'
import { httpServer, readBody } from './helpers/servers.mjs'

/**
 * A JSON server: answers `plan[n]` (a status, or 'hang' for no answer) to
 * the n-th request, 200 with the request echoed after the plan.
 */
async function jsonServer (t, plan = []) {
  const requests = []
  const closed = []
  const { url } = await httpServer(t, async (req, res) => {
    const n = requests.length
    const body = (await readBody(req)).toString()
    requests.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? ''} ${body}`)
    closed.push(new Promise((resolve) => res.on('close', () => resolve(!res.writableFinished))))
    const step = plan[n] ?? 200
    if (step === 'hang') return
    // Retry-After 0: ky honours it on 413, 429 and 503, so retries do not wait.
    res.writeHead(step, { 'content-type': 'application/json', 'retry-after': '0' })
    res.end(JSON.stringify(step === 200 ? { method: req.method, body } : { error: step }))
  })
  return { url, requests, closed }
}

function withoutOrigin (described, origin) {
  if (described === null) return null
  return { ...described, message: described.message.replaceAll(origin, 'ORIGIN') }
}

function scenario (t, { plan, call }) {
  return async (fetch) => {
    const server = await jsonServer(t, plan)
    const api = ky.create({ prefixUrl: server.url, fetch })
    let value = null
    let error = null
    try {
      value = await call(api)
    } catch (err) {
      error = err
    }
    return {
      value,
      // ky's messages name the URL, whose port differs between the two runs.
      error: withoutOrigin(describeError(error, 0), server.url),
      status: error?.response?.status,
      requests: server.requests,
      closedEarly: await Promise.all(server.closed.map((closed) => within(closed)))
    }
  }
}

async function same (t, options) {
  const { node, ferrofetch } = await runBoth(scenario(t, options))
  t.deepEqual(ferrofetch, node)
  return ferrofetch
}

test('ky GET .json(): the same value and request as with Node fetch', async (t) => {
  const seen = await same(t, { call: (api) => api.get('items').json() })
  t.deepEqual(seen.value, { method: 'GET', body: '' })
})

test('ky POST with a json body: the same value and request as with Node fetch', async (t) => {
  const seen = await same(t, { call: (api) => api.post('items', { json: { a: 1 } }).json() })
  t.deepEqual(seen.value, { method: 'POST', body: '{"a":1}' })
})

test('ky retries a 503 then succeeds: the same requests as with Node fetch', async (t) => {
  const seen = await same(t, { plan: [503], call: (api) => api.get('items', { retry: 1 }).json() })
  t.is(seen.requests.length, 2)
})

test('ky 404: the same HTTPError as with Node fetch', async (t) => {
  const seen = await same(t, { plan: [404], call: (api) => api.get('items').json() })
  t.is(seen.error.class, 'HTTPError')
  t.is(seen.status, 404)
})

test('ky timeout: the same TimeoutError and the connection closed, as with Node fetch', async (t) => {
  const seen = await same(t, { plan: ['hang'], call: (api) => api.get('items', { timeout: 500, retry: 0 }).json() })
  t.is(seen.error.class, 'TimeoutError')
  t.deepEqual(seen.closedEarly, [true])
})
