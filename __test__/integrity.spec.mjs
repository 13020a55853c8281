// `integrity`: the body is read whole and hashed before fetch() resolves;
// when no digest of the strongest listed algorithm matches, fetch() rejects
// with TypeError, as Node's fetch does. Over http, data: and blob:.
import test from 'ava'
import { createHash } from 'node:crypto'
import { fetch as undiciFetch } from 'undici'
import { fetch, Request } from '../index.mjs'
import { httpServer, sleep } from './helpers/servers.mjs'
import { settle, assertFailsAsNodeFetch } from './helpers/differential.mjs'

const digest = (alg, body, encoding = 'base64') => createHash(alg).update(body).digest(encoding)
const outcome = (p) => p.then(async (r) => `ok ${await r.text()}`, (e) => `${e.constructor.name} ${e.message}`)

// A body whose sha256 digest has '+' and '/', so base64url differs from base64.
const BODY = 'abc'
const SHA256 = digest('sha256', BODY)
const SHA384 = digest('sha384', BODY)
const SHA512 = digest('sha512', BODY)

// [metadata, passes?]: where Node 20's fetch, undici 7 and SRI agree.
const METADATA = [
  ['', true],
  ['md5-AAAA', true],
  ['sha1-AAAA sha-AAAA', true],
  [`sha256-${SHA256}`, true],
  [`SHA256-${SHA256}`, true],
  [`sha384-${SHA384}`, true],
  [`sha512-${SHA512}`, true],
  [`sha256-${SHA256.replace(/=+$/, '')}`, true],
  [`sha256-${digest('sha256', BODY, 'base64url')}`, true],
  [`  sha256-${SHA256}\t\n`, true],
  ['sha256-AAAA', false],
  [`sha256-${SHA256.toLowerCase()}`, false],
  [`sha256-AAAA sha256-${SHA256}`, true],
  [`sha256-AAAA sha512-${SHA512}`, true],
  [`sha512-AAAA sha256-${SHA256}`, false],
  [`sha384-AAAA sha256-${SHA256} md5-x`, false],
  [`sha256-${SHA256}===`, false],
  [`sha256-${SHA256}-x`, false],
  [`sha512-${SHA256}`, false]
]

for (const [metadata, passes] of METADATA) {
  test(`integrity ${JSON.stringify(metadata)} ${passes ? 'passes' : 'rejects'} as in Node fetch`, async (t) => {
    const url = `data:,${BODY}`
    const ours = await outcome(fetch(url, { integrity: metadata }))
    t.is(ours, passes ? `ok ${BODY}` : 'TypeError fetch failed')
    t.is(ours, await outcome(globalThis.fetch(url, { integrity: metadata })))
    t.is(ours, await outcome(undiciFetch(url, { integrity: metadata })))
  })
}

// Where Node 20's fetch throws internally, SRI's parsing decides (undici 7 agrees).
for (const [metadata, passes] of [[`sha256-${SHA256}?ct=text`, true], ['sha256', false], ['sha256-', false]]) {
  test(`integrity ${JSON.stringify(metadata)} ${passes ? 'passes' : 'rejects'} as SRI parses it`, async (t) => {
    const url = `data:,${BODY}`
    const ours = await outcome(fetch(url, { integrity: metadata }))
    t.is(ours, passes ? `ok ${BODY}` : 'TypeError fetch failed')
    t.is(ours, await outcome(undiciFetch(url, { integrity: metadata })))
  })
}

test('a mismatch rejects with TypeError fetch failed and cause code ERR_FF_INTEGRITY', async (t) => {
  const { ours, nodes } = await assertFailsAsNodeFetch(t, 'ERR_FF_INTEGRITY', `data:,${BODY}`, { integrity: 'sha256-AAAA' })
  t.is(ours.cause.message, nodes.cause.message)
})

test('an http response is verified: a matching body resolves, a changed one rejects', async (t) => {
  const payload = Buffer.alloc(300000, 'integrity ')
  const { url } = await httpServer(t, (req, res) => res.end(req.url === '/changed' ? Buffer.concat([payload, Buffer.from('!')]) : payload))
  const integrity = `sha512-${digest('sha512', payload)}`
  const response = await fetch(`${url}/same`, { integrity })
  t.is(response.status, 200)
  t.deepEqual(Buffer.from(await response.arrayBuffer()), payload)
  await assertFailsAsNodeFetch(t, 'ERR_FF_INTEGRITY', `${url}/changed`, { integrity }, { sameMessage: false })
})

test('with integrity, fetch() resolves only once the whole body has arrived', async (t) => {
  let finish
  const finished = new Promise((resolve) => { finish = resolve })
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-length': '10' })
    res.write('01234')
    finished.then(() => res.end('56789'))
  })
  // Without integrity the head alone resolves fetch(), the body still open.
  const plain = await fetch(`${url}/plain`)
  t.is(plain.status, 200)
  let resolved = false
  const checked = fetch(`${url}/checked`, { integrity: `sha256-${digest('sha256', '0123456789')}` })
  checked.then(() => { resolved = true }, () => {})
  // However long this waits, the half body cannot release the response.
  await sleep(200)
  t.false(resolved)
  finish()
  const response = await checked
  t.is(await response.text(), '0123456789')
  t.is(await plain.text(), '0123456789')
})

test('a verified body is readable as a stream, once, and can be cloned', async (t) => {
  const { url } = await httpServer(t, (req, res) => res.end(BODY))
  const response = await fetch(url, { integrity: `sha256-${SHA256}` })
  t.false(response.bodyUsed)
  const copy = response.clone()
  const chunks = []
  for await (const chunk of response.body) chunks.push(...chunk)
  t.is(Buffer.from(chunks).toString(), BODY)
  t.true(response.bodyUsed)
  t.is(await copy.text(), BODY)
})

test('integrity on a HEAD request (a null body) rejects, as Node fetch', async (t) => {
  const { url } = await httpServer(t, (req, res) => res.end(BODY))
  const init = { method: 'HEAD', integrity: `sha256-${SHA256}` }
  const err = await settle(fetch(url, init))
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ERR_FF_INTEGRITY')
  t.true((await settle(globalThis.fetch(url, init))) instanceof TypeError)
})

test('integrity also checks a blob: URL response', async (t) => {
  const url = URL.createObjectURL(new Blob([BODY]))
  t.teardown(() => URL.revokeObjectURL(url))
  t.is(await (await fetch(url, { integrity: `sha384-${SHA384}` })).text(), BODY)
  const err = await settle(fetch(url, { integrity: 'sha384-AAAA' }))
  t.is(err.cause.code, 'ERR_FF_INTEGRITY')
})

test("a Request's integrity is checked when it is fetched", async (t) => {
  const { url } = await httpServer(t, (req, res) => res.end(BODY))
  t.is(await (await fetch(new Request(url, { integrity: `sha256-${SHA256}` }))).text(), BODY)
  const err = await settle(fetch(new Request(url, { integrity: 'sha256-AAAA' })))
  t.is(err.cause.code, 'ERR_FF_INTEGRITY')
})

test('an abort while the body is read for integrity rejects with the signal reason', async (t) => {
  let sent
  const halfSent = new Promise((resolve) => { sent = resolve })
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-length': '10' })
    res.write('01234', sent)
  })
  const controller = new AbortController()
  const pending = fetch(url, { integrity: `sha256-${SHA256}`, signal: controller.signal })
  await halfSent
  const reason = new Error('enough')
  controller.abort(reason)
  t.is(await settle(pending), reason)
})
