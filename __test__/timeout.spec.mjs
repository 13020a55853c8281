import test from 'ava'
import { fetch, Client } from '../index.mjs'
import { httpServer, blackHole, sleep } from './helpers/servers.mjs'
import { settle } from './helpers/differential.mjs'

function assertTimeout (t, err, code) {
  t.true(err instanceof DOMException, `expected a DOMException, got ${err}`)
  t.is(err.name, 'TimeoutError')
  t.is(err.cause?.code, code)
}

test('timeout limits the wait for the response head', async (t) => {
  const { url } = await httpServer(t, () => {})
  assertTimeout(t, await settle(fetch(url, { timeout: 200 })), 'ERR_FF_TIMEOUT')
})

test('timeout also limits the body', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    const timer = setInterval(() => res.write('.'), 20)
    res.on('close', () => clearInterval(timer))
  })
  const res = await fetch(url, { timeout: 300 })
  assertTimeout(t, await settle(res.text()), 'ERR_FF_TIMEOUT')
})

test('readTimeout fails a body that goes silent', async (t) => {
  const { url } = await httpServer(t, (req, res) => res.write('first'))
  const res = await fetch(url, { readTimeout: 200 })
  const reader = res.body.getReader()
  t.is(Buffer.from((await reader.read()).value).toString(), 'first')
  assertTimeout(t, await settle(reader.read()), 'ERR_FF_READ_TIMEOUT')
})

test('readTimeout lets a body through that keeps talking', async (t) => {
  const { url } = await httpServer(t, async (req, res) => {
    for (let i = 0; i < 6; i++) {
      res.write(String(i))
      await sleep(100)
    }
    res.end()
  })
  const res = await fetch(url, { readTimeout: 400 })
  t.is(await res.text(), '012345')
})

test('connectTimeout limits connecting', async (t) => {
  const { url } = await blackHole(t)
  assertTimeout(t, await settle(fetch(url, { connectTimeout: 200 })), 'ERR_FF_CONNECT_TIMEOUT')
})

test('a client-wide connectTimeout applies to its requests', async (t) => {
  const { url } = await blackHole(t)
  const client = new Client({ connectTimeout: 200 })
  assertTimeout(t, await settle(client.fetch(url)), 'ERR_FF_CONNECT_TIMEOUT')
})

test('AbortSignal.timeout() rejects with its TimeoutError', async (t) => {
  const { url } = await httpServer(t, () => {})
  const err = await settle(fetch(url, { signal: AbortSignal.timeout(100) }))
  t.true(err instanceof DOMException)
  t.is(err.name, 'TimeoutError')
})

test('with no options a slow stream is never cut', async (t) => {
  const { url } = await httpServer(t, async (req, res) => {
    res.write('before ')
    await sleep(1500)
    res.end('after')
  })
  t.is(await (await fetch(url)).text(), 'before after')
})
