// What a fetched Response shows of its head (status, statusText, url,
// redirected, the header list with its order, duplicates, empty and
// Latin-1 values, set-cookie), compared with Node's own fetch on the same
// bytes. The binding hands a plain head over as one string of lines
// (src/convert.rs HeadForJs), which these differential tests pin down.
import test from 'ava'
import * as ff from '../index.mjs'
import { rawRequestServer } from './helpers/raw-requests.mjs'

/** Everything a program can read off the head of `res`. */
function headOf (res) {
  return {
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    redirected: res.redirected,
    url: res.url,
    entries: [...res.headers],
    setCookie: res.headers.getSetCookie(),
    dup: res.headers.get('x-dup'),
    empty: res.headers.get('x-empty')
  }
}

/** A server answering every request with `head` (latin1 bytes) and a 2-byte body. */
async function headServer (t, head) {
  return rawRequestServer(t, () => Buffer.from(`${head}content-length: 2\r\n\r\nok`, 'latin1'))
}

async function bothHeads (url, init) {
  const node = await globalThis.fetch(url, init)
  await node.text()
  const ours = await ff.fetch(url, init)
  await ours.text()
  return { node: headOf(node), ours: headOf(ours) }
}

test('a fetched head with repeated, empty, Latin-1 and set-cookie headers reads as through Node\'s fetch', async (t) => {
  const server = await headServer(t,
    'HTTP/1.1 203 Partly Fine\r\n' +
    'x-dup: one\r\nset-cookie: a=1; Path=/\r\nx-latin: caf\xe9 \xff\r\n' +
    'x-empty:\r\nx-dup: two\r\nset-cookie: b=2\r\nx-tab: a\tb\r\n')
  const { node, ours } = await bothHeads(server.url)
  t.deepEqual(ours, node)
  t.is(ours.statusText, 'Partly Fine')
  t.deepEqual(ours.setCookie, ['a=1; Path=/', 'b=2'])
})

test('a fetched head with no headers of its own but the length, and an empty reason phrase, reads as through Node\'s fetch', async (t) => {
  const server = await headServer(t, 'HTTP/1.1 200 \r\n')
  const { node, ours } = await bothHeads(server.url)
  t.deepEqual(ours, node)
  t.deepEqual(ours.entries, [['content-length', '2']])
})

test('a redirected fetch shows the final URL and redirected, as Node\'s fetch does', async (t) => {
  const server = await rawRequestServer(t, (request) => {
    if (request.requestLine.startsWith('GET /from ')) {
      return 'HTTP/1.1 302 Found\r\nlocation: /to?x=1\r\ncontent-length: 0\r\n\r\n'
    }
    return 'HTTP/1.1 200 OK\r\nx-final: yes\r\ncontent-length: 2\r\n\r\nok'
  })
  const { node, ours } = await bothHeads(`${server.url}/from#frag`)
  t.deepEqual(ours, node)
  t.true(ours.redirected)
  t.is(ours.url, `${server.url}/to?x=1`)
})
