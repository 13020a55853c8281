// data: URLs: fetch() answers them locally per Fetch's data: URL processor,
// as Node's fetch does. Most tests are differential: the same URL through
// ferrofetch and through Node's own fetch.
import test from 'ava'
import { fetch, Request } from '../index.mjs'
import { describeResponse as observe, settle, assertFailsAsNodeFetch } from './helpers/differential.mjs'

// [URL, expected Content-Type, expected body bytes]; the default type is
// text/plain;charset=US-ASCII. Our own table, after the rules WPT's
// fetch/data-urls vectors exercise: percent-decoding, whitespace around the
// type, the ;base64 suffix and what does not count as one, and MIME type
// parsing with its fallback.
const DEFAULT = 'text/plain;charset=US-ASCII'
const DECODED = [
  ['data:,Hello%2C%20World!', DEFAULT, [...Buffer.from('Hello, World!')]],
  ['data:,', DEFAULT, []],
  ['data:,a#fragment', DEFAULT, [97]],
  ['data:,%E2%82%AC%zz%4', DEFAULT, [0xe2, 0x82, 0xac, 37, 122, 122, 37, 52]],
  ['data:,€', DEFAULT, [0xe2, 0x82, 0xac]],
  ['data:text/html,<p>hi</p>', 'text/html', [...Buffer.from('<p>hi</p>')]],
  ['data:  TEXT/HTML  ,x', 'text/html', [120]],
  ['data:text/plain;charset=UTF-8,x', 'text/plain;charset=UTF-8', [120]],
  ['data:IMAGE/PNG;Name=Value,x', 'image/png;name=Value', [120]],
  ['data:;charset=utf-8,x', 'text/plain;charset=utf-8', [120]],
  ['data:;a=1;a=2,x', 'text/plain;a=1', [120]],
  ['data:not-a-type,x', DEFAULT, [120]],
  ['data:a/b/c,x', DEFAULT, [120]],
  ['data:%20,x', DEFAULT, [120]],
  ['data:;base64,SGVsbG8=', DEFAULT, [...Buffer.from('Hello')]],
  ['data:;base64,SGVsbG8', DEFAULT, [...Buffer.from('Hello')]],
  ['data:;base64,SG Vs%0AbG8=', DEFAULT, [...Buffer.from('Hello')]],
  ['data:;BASE64,/w', DEFAULT, [255]],
  ['data:image/gif;base64,R0lG', 'image/gif', [0x47, 0x49, 0x46]],
  ['data:x/y;charset=z;base64,WA', 'x/y;charset=z', [88]],
  ['data:;base64   ,WA', DEFAULT, [88]],
  ['data:;  base64,WA', DEFAULT, [88]],
  ['data:;base64;x,WA', 'text/plain', [87, 65]],
  ['data:;base64x,WA', 'text/plain', [87, 65]],
  ['data:;%62ase64,WA', 'text/plain', [87, 65]],
  ['data:;base64,', DEFAULT, []]
]

for (const [url, type, bytes] of DECODED) {
  test(`fetch(${JSON.stringify(url)}) resolves 200 with Node's type and bytes`, async (t) => {
    const ours = await observe(await fetch(url))
    const nodes = await observe(await globalThis.fetch(url))
    t.deepEqual(ours, nodes)
    t.is(ours.status, 200)
    t.is(ours.statusText, 'OK')
    t.is(ours.type, 'basic')
    t.false(ours.redirected)
    t.deepEqual(ours.headers, [['content-type', type]])
    t.deepEqual(ours.body, bytes)
  })
}

// Malformed: no comma, or a ;base64 body that forgiving-base64 refuses.
const MALFORMED = [
  'data:text/plain',
  'data:',
  'data:;base64,A',
  'data:;base64,AAAAA',
  'data:;base64,ab=c',
  'data:;base64,abcd=',
  'data:;base64,abc==',
  'data:;base64,%',
  'data:;base64,a%C2%A0b',
  'data:;base64,ab.c'
]

for (const url of MALFORMED) {
  test(`fetch(${JSON.stringify(url)}) rejects with TypeError fetch failed, as Node's fetch`, async (t) => {
    await assertFailsAsNodeFetch(t, 'ERR_FF_DATA_URL', url)
  })
}

test('a data: URL resolves 200 for any method, and a HEAD has a null body', async (t) => {
  for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) {
    const init = { method }
    if (method === 'POST' || method === 'PUT') init.body = 'ignored'
    const ours = await observe(await fetch('data:,abc', init))
    t.deepEqual(ours, await observe(await globalThis.fetch('data:,abc', init)), method)
    t.is(ours.status, 200)
    t.deepEqual(ours.body, method === 'HEAD' ? null : [97, 98, 99], method)
  }
})

test('a data: URL body streams and can be read once, as any body', async (t) => {
  const response = await fetch('data:,stream%20me')
  t.false(response.bodyUsed)
  const chunks = []
  for await (const chunk of response.body) chunks.push(...chunk)
  t.is(Buffer.from(chunks).toString(), 'stream me')
  t.true(response.bodyUsed)
  await t.throwsAsync(response.text(), { instanceOf: TypeError })
})

test('a data: URL response has immutable headers, as a network response', async (t) => {
  const response = await fetch('data:,x')
  t.throws(() => response.headers.set('x-a', '1'), { instanceOf: TypeError })
})

test('a data: URL response can be cloned and read twice', async (t) => {
  const response = await fetch('data:text/plain,twice')
  const copy = response.clone()
  t.is(await response.text(), 'twice')
  t.is(await copy.text(), 'twice')
  t.is(copy.url, 'data:text/plain,twice')
})

test('a Request for a data: URL is fetched like the URL', async (t) => {
  const response = await fetch(new Request('data:application/json,%7B%22a%22%3A1%7D'))
  t.deepEqual(await response.json(), { a: 1 })
  t.is(response.headers.get('content-type'), 'application/json')
})

test('an already aborted signal rejects a data: fetch with its reason', async (t) => {
  const reason = new Error('stop')
  const err = await settle(fetch('data:,x', { signal: AbortSignal.abort(reason) }))
  t.is(err, reason)
})

test('a data: URL with credentials is refused before any fetch, as a Request is', async (t) => {
  const ours = await settle(fetch('data://user:pw@host/,X'))
  const nodes = await settle(globalThis.fetch('data://user:pw@host/,X'))
  t.true(ours instanceof TypeError)
  t.true(nodes instanceof TypeError)
})
