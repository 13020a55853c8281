import test from 'ava'
import { fetch } from '../index.mjs'
import { httpServer, readBody } from './helpers/servers.mjs'

/** A server that redirects /from/<status> to /to and echoes /to's request. */
async function redirectServer (t, location = '/to') {
  return httpServer(t, async (req, res) => {
    const body = (await readBody(req)).toString()
    const m = /^\/from\/(\d+)$/.exec(req.url)
    if (m) {
      res.writeHead(Number(m[1]), { location })
      return res.end('redirect body')
    }
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers }))
  })
}

for (const status of [301, 302]) {
  test(`${status} turns POST into GET without a body`, async (t) => {
    const { url } = await redirectServer(t)
    const res = await fetch(`${url}/from/${status}`, { method: 'POST', body: 'payload' })
    const echo = await res.json()
    t.is(echo.method, 'GET')
    t.is(echo.body, '')
    t.is(echo.headers['content-type'], undefined)
    t.true(res.redirected)
    t.is(res.url, `${url}/to`)
  })
}

test('301 keeps a PUT and its body', async (t) => {
  const { url } = await redirectServer(t)
  const echo = await (await fetch(`${url}/from/301`, { method: 'PUT', body: 'payload' })).json()
  t.is(echo.method, 'PUT')
  t.is(echo.body, 'payload')
})

test('303 turns any method but HEAD into GET', async (t) => {
  const { url } = await redirectServer(t)
  const echo = await (await fetch(`${url}/from/303`, { method: 'DELETE', body: 'x' })).json()
  t.is(echo.method, 'GET')
  t.is(echo.body, '')
})

for (const status of [307, 308]) {
  test(`${status} replays method and body`, async (t) => {
    const { url } = await redirectServer(t)
    const res = await fetch(`${url}/from/${status}`, {
      method: 'POST', body: 'payload', headers: { 'content-type': 'text/x-test' }
    })
    const echo = await res.json()
    t.is(echo.method, 'POST')
    t.is(echo.body, 'payload')
    t.is(echo.headers['content-type'], 'text/x-test')
    t.is(echo.headers['content-length'], '7')
  })
}

test('redirect: manual hands over the 3xx response', async (t) => {
  const { url } = await redirectServer(t)
  const res = await fetch(`${url}/from/302`, { redirect: 'manual' })
  t.is(res.status, 302)
  t.is(res.headers.get('location'), '/to')
  t.false(res.redirected)
  t.is(await res.text(), 'redirect body')
})

test('redirect: error rejects with a TypeError', async (t) => {
  const { url } = await redirectServer(t)
  const err = await t.throwsAsync(fetch(`${url}/from/302`, { redirect: 'error' }), { instanceOf: TypeError })
  t.is(err.cause.code, 'ERR_FF_UNEXPECTED_REDIRECT')
})

test('the redirect mode decides before Location is read, as in Node\'s fetch', async (t) => {
  // Found by the redirect_step fuzz target: no Location, and one no URL
  // parser accepts.
  const { url } = await httpServer(t, (req, res) => {
    if (req.url === '/none') res.writeHead(302)
    else res.writeHead(302, { location: 'http://[::1' })
    res.end()
  })
  for (const path of ['/none', '/invalid']) {
    const err = await t.throwsAsync(fetch(url + path, { redirect: 'error' }), { instanceOf: TypeError })
    t.is(err.cause.code, 'ERR_FF_UNEXPECTED_REDIRECT', path)
    await t.throwsAsync(globalThis.fetch(url + path, { redirect: 'error' }), { instanceOf: TypeError })
    const res = await fetch(url + path, { redirect: 'manual' })
    t.is(res.status, (await globalThis.fetch(url + path, { redirect: 'manual' })).status, path)
    t.is(res.status, 302)
  }
})

test('twenty redirects are followed, the twenty-first fails', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    const n = Number(req.url.slice(1))
    if (n > 0) {
      res.writeHead(302, { location: `/${n - 1}` })
      return res.end()
    }
    res.end('landed')
  })
  const ok = await fetch(`${url}/20`)
  t.is(await ok.text(), 'landed')
  t.is(ok.url, `${url}/0`)
  const err = await t.throwsAsync(fetch(`${url}/21`), { instanceOf: TypeError })
  t.is(err.cause.code, 'ERR_FF_TOO_MANY_REDIRECTS')
})

test('a cross-origin redirect drops Authorization, Cookie and Proxy-Authorization', async (t) => {
  const other = await redirectServer(t)
  const { url } = await redirectServer(t, `${other.url}/to`)
  const echo = await (await fetch(`${url}/from/307`, {
    headers: {
      authorization: 'Bearer secret',
      cookie: 'session=1',
      'proxy-authorization': 'Basic abc',
      'x-kept': 'yes'
    }
  })).json()
  t.is(echo.headers.authorization, undefined)
  t.is(echo.headers.cookie, undefined)
  t.is(echo.headers['proxy-authorization'], undefined)
  t.is(echo.headers['x-kept'], 'yes')
})

test('a same-origin redirect keeps credentials', async (t) => {
  const { url } = await redirectServer(t)
  const echo = await (await fetch(`${url}/from/302`, { headers: { authorization: 'Bearer secret' } })).json()
  t.is(echo.headers.authorization, 'Bearer secret')
})

test('a redirect to a non-HTTP scheme fails', async (t) => {
  const { url } = await redirectServer(t, 'ftp://127.0.0.1/file')
  const err = await t.throwsAsync(fetch(`${url}/from/302`), { instanceOf: TypeError })
  t.is(err.cause.code, 'ERR_FF_BAD_REDIRECT')
})

test('a 3xx without Location is delivered as is', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(302)
    res.end('no location')
  })
  const res = await fetch(url)
  t.is(res.status, 302)
  t.false(res.redirected)
})
