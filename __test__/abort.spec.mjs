import test from 'ava'
import { once } from 'node:events'
import { fetch } from '../index.mjs'
import { httpServer, blackHole, sleep } from './helpers/servers.mjs'

test('an already aborted signal rejects with its reason and sends nothing', async (t) => {
  let requests = 0
  const { url } = await httpServer(t, (req, res) => { requests++; res.end() })
  const reason = new Error('stop')
  const err = await t.throwsAsync(fetch(url, { signal: AbortSignal.abort(reason) }))
  t.is(err, reason)
  await sleep(50)
  t.is(requests, 0)
})

test('the default abort reason is an AbortError DOMException', async (t) => {
  const { url } = await httpServer(t, () => {})
  const controller = new AbortController()
  const pending = fetch(url, { signal: controller.signal })
  controller.abort()
  const err = await pending.catch((e) => e)
  t.true(err instanceof DOMException)
  t.is(err.name, 'AbortError')
})

test('aborting while connecting rejects with the reason', async (t) => {
  const { url } = await blackHole(t)
  const controller = new AbortController()
  const pending = fetch(url, { signal: controller.signal })
  await sleep(100)
  const reason = new Error('gave up connecting')
  controller.abort(reason)
  t.is(await t.throwsAsync(pending), reason)
})

test('aborting while waiting for headers closes the connection', async (t) => {
  let serverSawClose
  const { url } = await httpServer(t, (req) => {
    serverSawClose = once(req.socket, 'close')
  })
  const controller = new AbortController()
  const pending = fetch(url, { signal: controller.signal })
  // eslint-disable-next-line no-unmodified-loop-condition -- the server's handler sets it
  for (let i = 0; i < 100 && !serverSawClose; i++) await sleep(10)
  t.truthy(serverSawClose, 'the request reached the server')
  const reason = new Error('no more waiting')
  controller.abort(reason)
  t.is(await t.throwsAsync(pending), reason)
  await serverSawClose
})

test('aborting while streaming errors the body with the reason and closes the connection', async (t) => {
  let serverSawClose
  const { url } = await httpServer(t, (req, res) => {
    serverSawClose = once(res, 'close')
    res.write('start')
    const timer = setInterval(() => res.write('.'), 10)
    res.on('close', () => clearInterval(timer))
  })
  const controller = new AbortController()
  const res = await fetch(url, { signal: controller.signal })
  const reader = res.body.getReader()
  await reader.read()
  const reason = new Error('enough')
  controller.abort(reason)
  t.is(await t.throwsAsync(reader.read()), reason)
  await serverSawClose
})

test('aborting before the body is touched makes text() reject with the reason', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.write('partial')
  })
  const controller = new AbortController()
  const res = await fetch(url, { signal: controller.signal })
  const reason = new Error('late abort')
  controller.abort(reason)
  t.is(await t.throwsAsync(res.text()), reason)
})

test('aborting during text() rejects it with the reason', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.write('partial')
  })
  const controller = new AbortController()
  const res = await fetch(url, { signal: controller.signal })
  const text = res.text()
  await sleep(50)
  const reason = new Error('stop reading')
  controller.abort(reason)
  t.is(await t.throwsAsync(text), reason)
})

test('an abort after the body completed changes nothing', async (t) => {
  const { url } = await httpServer(t, (req, res) => res.end('done'))
  const controller = new AbortController()
  const res = await fetch(url, { signal: controller.signal })
  t.is(await res.text(), 'done')
  controller.abort()
  t.true(res.bodyUsed)
})
