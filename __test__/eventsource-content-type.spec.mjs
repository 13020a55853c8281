// Which Content-Types open an event stream (HTML §9.2.2 step 15.3: the
// response's MIME type must be text/event-stream), compared with undici's
// EventSource, which parses the header as a MIME type (MIME Sniffing §4.4)
// as we do. EventSource and events() share the check. Every server is real,
// on 127.0.0.1; waits end on events, never on elapsed time.
import test from 'ava'
import { EventSource as UndiciEventSource } from 'undici'
import { EventSource, events, EventStreamError } from '../index.mjs'
import { tcpServer } from './helpers/servers.mjs'

// Each sent as the response's Content-Type, one byte per code point (an
// array: one header line each).
const CONTENT_TYPES = [
  'text/event-stream',
  'TEXT/Event-Stream',
  'text/event-stream; charset=utf-8',
  'text/event-stream;charset="utf-8"',
  'text/event-stream \t; x=y',
  'text/event-stream;',
  'text/event-streams',
  'text/plain',
  // Not a MIME type: the subtype ends in U+00A0, which is no token code
  // point (String.prototype.trim would have removed it).
  'text/event-stream\u00a0',
  // Combined into "text/event-stream, text/plain", which does not parse.
  ['text/event-stream', 'text/plain']
]

/** A server that answers every connection with `contentType` and one event, then closes. */
function serve (t, contentType) {
  const lines = [].concat(contentType).map((value) => `Content-Type: ${value}\r\n`).join('')
  // Raw bytes: node:http would send U+00A0 as two UTF-8 bytes.
  const response = Buffer.from(`HTTP/1.1 200 OK\r\n${lines}Connection: close\r\n\r\ndata: hi\n\n`, 'latin1')
  return tcpServer(t, (socket) => {
    socket.once('data', () => socket.end(response))
  })
}

/** 'open' when an EventSource opens on the response, 'closed' when it fails the connection. */
function outcome (Impl, url) {
  const es = new Impl(url)
  return new Promise((resolve) => {
    es.onopen = () => { es.close(); resolve('open') }
    es.onerror = () => {
      // A failed connection is CLOSED; a reconnection would be CONNECTING.
      const state = es.readyState === Impl.CLOSED ? 'closed' : 'reconnecting'
      es.close()
      resolve(state)
    }
  })
}

for (const contentType of CONTENT_TYPES) {
  // Code points outside printable ASCII shown as escapes (U+00A0 is invisible).
  const shown = JSON.stringify(contentType).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  test(`EventSource opens on Content-Type ${shown} exactly when undici's EventSource does`, async (t) => {
    const ours = await serve(t, contentType)
    const theirs = await serve(t, contentType)
    const expected = await outcome(UndiciEventSource, theirs.url)
    t.is(await outcome(EventSource, ours.url), expected)
  })

  test(`events() reads a response with Content-Type ${shown} exactly when EventSource opens on it`, async (t) => {
    const server = await serve(t, contentType)
    const expected = await outcome(UndiciEventSource, server.url)
    const stream = events(server.url, { retry: 1 })
    try {
      const first = await stream.next()
      t.is(expected, 'open')
      t.deepEqual(first.value, { event: 'message', data: 'hi', id: '' })
    } catch (err) {
      t.is(expected, 'closed')
      t.true(err instanceof EventStreamError)
      t.is(err.code, 'ERR_FF_SSE_CONTENT_TYPE')
    } finally {
      await stream.return()
    }
  })
}
