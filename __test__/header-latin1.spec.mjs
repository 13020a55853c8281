// Header values are byte strings: JS carries each byte as one code unit
// U+0000..U+00FF (Fetch's isomorphic encode/decode), in both directions,
// as through Node's own fetch.
import test from 'ava'
import { createRequire } from 'node:module'
import * as ff from '../index.mjs'
import { rawRequestServer, response } from './helpers/raw-requests.mjs'

// Every byte a header value may hold in the middle (no NUL, CR, LF or other
// control bytes) that is not ASCII, between two ASCII letters so that no
// leading or trailing whitespace is stripped.
const HIGH_BYTES = 'a' + Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(0x80 + i)).join('') + 'z'

/** The value `fetch` sent as x-bytes, and the x-echo value it read back. */
async function roundTrip (t, fetch) {
  const server = await rawRequestServer(t, (request) => {
    const [, sent] = request.headers.find(([name]) => name.toLowerCase() === 'x-bytes')
    // Written as bytes: a JS string would go out as UTF-8.
    return Buffer.from(response(200, 'ok', `x-echo: ${sent}\r\n`), 'latin1')
  })
  const res = await fetch(server.url, { headers: { 'x-bytes': HIGH_BYTES } })
  await res.text()
  const [, sent] = server.requests[0].headers.find(([name]) => name.toLowerCase() === 'x-bytes')
  return { sent, received: res.headers.get('x-echo') }
}

test('a header value with bytes 0x80-0xFF goes on the wire as those bytes, as from Node\'s fetch', async (t) => {
  const node = await roundTrip(t, globalThis.fetch)
  const ours = await roundTrip(t, ff.fetch)
  t.is(ours.sent, node.sent)
  t.is(ours.sent, HIGH_BYTES)
})

test('a response header\'s bytes 0x80-0xFF arrive as the same code units, as through Node\'s fetch', async (t) => {
  const node = await roundTrip(t, globalThis.fetch)
  const ours = await roundTrip(t, ff.fetch)
  t.is(ours.received, node.received)
  t.is(ours.received, HIGH_BYTES)
})

// The JS layer rejects these first; the binding is the backstop that keeps
// a value that skipped those checks off the wire.
test('the binding refuses a header value above U+00FF or an invalid name that skipped the JS checks', (t) => {
  const { NativeClient } = createRequire(import.meta.url)('../ferrofetch.node')
  t.throws(() => new NativeClient({ defaultHeaders: ['x-a', 'snow\u2603'] }), { message: /not a ByteString/ })
  t.throws(() => new NativeClient({ defaultHeaders: ['bad name', 'v'] }), { message: /invalid header name/ })
  t.notThrows(() => new NativeClient({ defaultHeaders: ['x-a', 'caf\u00e9'] }))
})
