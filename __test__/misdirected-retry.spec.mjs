// Fetch §4.6 "HTTP-network-or-cache fetch" step 16: a 421 Misdirected
// Request is sent once more on a new connection when the body is null or
// has a source; the second response is the one returned. Differential
// against Node's fetch where both behave the same.
import test from 'ava'
import * as ff from '../index.mjs'
import { rawRequestServer, response } from './helpers/raw-requests.mjs'

/** Answers 421 on a connection's first request when `refuse(connection)`, else 200 with what it got. */
function misdirectedServer (t, refuse = (connection) => connection === 0) {
  return rawRequestServer(t, (request) => refuse(request.connection)
    ? response(421, 'wrong connection')
    : response(200, `${request.requestLine} body=${request.body}`))
}

async function outcome (fetch, url, init) {
  const res = await fetch(url, init)
  return { status: res.status, text: await res.text() }
}

for (const [name, fetch] of [['Node\'s fetch', globalThis.fetch], ['ferrofetch', ff.fetch]]) {
  test(`a 421 to a GET is retried once on a new connection and the second response returned (${name})`, async (t) => {
    const server = await misdirectedServer(t)
    const got = await outcome(fetch, server.url + '/a')
    t.deepEqual(got, { status: 200, text: 'GET /a HTTP/1.1 body=' })
    t.is(server.connections(), 2)
    t.deepEqual(server.requests.map((r) => [r.connection, r.index]), [[0, 0], [1, 0]])
  })

  test(`a 421 to a POST with a byte body is retried with the same body (${name})`, async (t) => {
    const server = await misdirectedServer(t)
    const got = await outcome(fetch, server.url + '/p', { method: 'POST', body: 'payload' })
    t.deepEqual(got, { status: 200, text: 'POST /p HTTP/1.1 body=payload' })
    t.is(server.connections(), 2)
    t.deepEqual(server.requests.map((r) => r.body), ['payload', 'payload'])
  })

  test(`a 421 to a POST with a streamed body is returned, not retried (${name})`, async (t) => {
    const server = await misdirectedServer(t)
    const body = new ReadableStream({
      start (controller) {
        controller.enqueue(new TextEncoder().encode('streamed'))
        controller.close()
      }
    })
    const got = await outcome(fetch, server.url + '/s', { method: 'POST', body, duplex: 'half' })
    t.deepEqual(got, { status: 421, text: 'wrong connection' })
    t.is(server.connections(), 1)
    t.is(server.requests.length, 1)
  })

  test(`a second 421 is returned: the retry happens once (${name})`, async (t) => {
    const server = await misdirectedServer(t, () => true)
    const got = await outcome(fetch, server.url + '/a')
    t.deepEqual(got, { status: 421, text: 'wrong connection' })
    t.is(server.requests.length, 2)
    t.is(server.connections(), 2)
  })
}

test('a 421 to a POST with a large Blob body is retried, the Blob sent again from its start', async (t) => {
  const server = await misdirectedServer(t)
  // Over the size ferrofetch reads into memory first: streamed from the Blob.
  const text = 'b'.repeat(2 * 1024 * 1024)
  const res = await ff.fetch(server.url + '/blob', { method: 'POST', body: new Blob([text]) })
  t.is(res.status, 200)
  t.is(await res.text(), `POST /blob HTTP/1.1 body=${text}`)
  t.is(server.connections(), 2)
  t.deepEqual(server.requests.map((r) => r.body.length), [text.length, text.length])
})

test('a 421 is retried on a new connection also when the refused one was reused from the pool', async (t) => {
  // Connection 0 serves the first request, then refuses the next one on it.
  const server = await rawRequestServer(t, (request) => request.connection === 0 && request.index === 1
    ? response(421, 'wrong connection')
    : response(200, `c${request.connection}`))
  const first = await ff.fetch(server.url + '/1')
  t.is(await first.text(), 'c0')
  const second = await ff.fetch(server.url + '/2')
  t.is(second.status, 200)
  t.is(await second.text(), 'c1')
  t.is(server.connections(), 2)
})
