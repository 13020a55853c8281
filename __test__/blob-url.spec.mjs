// blob: URLs: a GET of URL.createObjectURL(blob) answers with the blob,
// as Node's fetch does; other methods, revoked and unknown URLs are
// network errors. Differential against Node's fetch where Node follows the
// spec; byte ranges against Fetch's steps (Node 20's fetch is off by one).
import test from 'ava'
import { fetch } from '../index.mjs'
import { describeResponse as observe, settle, assertFailsAsNodeFetch } from './helpers/differential.mjs'

function objectUrl (t, parts, options) {
  const url = URL.createObjectURL(new Blob(parts, options))
  t.teardown(() => URL.revokeObjectURL(url))
  return url
}

test('a GET of a blob: URL resolves 200 with the blob bytes, type and size, as Node fetch', async (t) => {
  const url = objectUrl(t, ['hello ', new Uint8Array([0xff, 0x00])], { type: 'Text/Plain;Charset=UTF-8' })
  const ours = await observe(await fetch(url))
  t.deepEqual(ours, await observe(await globalThis.fetch(url)))
  t.is(ours.status, 200)
  t.is(ours.statusText, 'OK')
  t.is(ours.url, url)
  t.deepEqual(ours.headers, [['content-length', '8'], ['content-type', 'text/plain;charset=utf-8']])
  t.deepEqual(ours.body, [...Buffer.from('hello \xff\x00', 'latin1')])
})

test('a blob without a type, or with an invalid one, gives an empty Content-Type', async (t) => {
  for (const options of [undefined, { type: 'bad\u0001type' }]) {
    const url = objectUrl(t, ['x'], options)
    const ours = await observe(await fetch(url))
    t.deepEqual(ours, await observe(await globalThis.fetch(url)))
    t.is(ours.headers.find(([name]) => name === 'content-type')[1], '')
  }
})

test('an empty blob resolves 200 with Content-Length 0 and an empty body', async (t) => {
  const url = objectUrl(t, [])
  const response = await fetch(url)
  t.is(response.headers.get('content-length'), '0')
  t.is(await response.text(), '')
})

test('a blob: URL with a fragment resolves to the same blob', async (t) => {
  const url = objectUrl(t, ['frag'])
  const response = await fetch(url + '#part')
  t.is(await response.text(), 'frag')
  t.is(response.url, url)
})

test('a blob: URL body is a stream that yields the blob bytes', async (t) => {
  const big = new Uint8Array(200000).map((_, i) => i % 251)
  const url = objectUrl(t, [big])
  const response = await fetch(url)
  let total = 0
  let same = true
  for await (const chunk of response.body) {
    for (let i = 0; i < chunk.length; i++) same &&= chunk[i] === (total + i) % 251
    total += chunk.length
  }
  t.is(total, big.length)
  t.true(same)
})

test('methods other than GET reject a blob: URL with TypeError, as Node fetch', async (t) => {
  const url = objectUrl(t, ['x'])
  for (const method of ['HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const init = { method, body: method === 'POST' || method === 'PUT' ? 'b' : undefined }
    await assertFailsAsNodeFetch(t, 'ERR_FF_BLOB_URL', url, init, { label: method })
  }
})

test('a revoked blob: URL rejects with TypeError, as Node fetch', async (t) => {
  const url = URL.createObjectURL(new Blob(['gone']))
  URL.revokeObjectURL(url)
  await assertFailsAsNodeFetch(t, 'ERR_FF_BLOB_URL', url)
})

test('an unknown blob: URL rejects with TypeError, as Node fetch', async (t) => {
  for (const url of ['blob:nodedata:00000000-0000-0000-0000-000000000000', 'blob:https://example.com/x', 'blob:']) {
    await assertFailsAsNodeFetch(t, 'ERR_FF_BLOB_URL', url, undefined, { label: url, sameMessage: false })
  }
})

// Fetch "scheme fetch" blob step 11: [Range, status, Content-Range, body],
// or null for a network error.
const RANGES = [
  ['bytes=1-3', 206, 'bytes 1-3/10', '123'],
  ['bytes=0-0', 206, 'bytes 0-0/10', '0'],
  ['bytes=4-', 206, 'bytes 4-9/10', '456789'],
  ['bytes=7-100', 206, 'bytes 7-9/10', '789'],
  ['bytes=-3', 206, 'bytes 7-9/10', '789'],
  ['bytes=-30', 206, 'bytes 0-9/10', '0123456789'],
  ['bytes = 2 - 3', 206, 'bytes 2-3/10', '23'],
  ['bytes=10-', null],
  ['bytes=3-2', null],
  ['bytes=-', null],
  ['bytes=-0', null],
  ['bytes=1-2,4-5', null],
  ['bytes=1-2x', null],
  ['items=1-2', null]
]

for (const [range, status, contentRange, body] of RANGES) {
  test(`a blob: URL with Range ${JSON.stringify(range)} ${status === null ? 'rejects with TypeError' : `resolves ${status} ${contentRange}`}`, async (t) => {
    const url = objectUrl(t, ['0123456789'], { type: 'text/plain' })
    const request = fetch(url, { headers: { range } })
    if (status === null) {
      const err = await settle(request)
      t.true(err instanceof TypeError)
      t.is(err.cause.code, 'ERR_FF_BLOB_URL')
      return
    }
    const response = await request
    t.is(response.status, status)
    t.is(response.statusText, 'Partial Content')
    t.is(response.headers.get('content-range'), contentRange)
    t.is(response.headers.get('content-length'), String(body.length))
    t.is(response.headers.get('content-type'), 'text/plain')
    t.is(await response.text(), body)
  })
}
