// Servers that misbehave on purpose. Each case must end in a typed error on
// the right object (the fetch promise or the body) and never look like a
// complete response.
import test from 'ava'
import { fetch } from '../index.mjs'
import { tcpServer, sleep } from './helpers/servers.mjs'

const settle = (p) => p.then((v) => ({ value: v }), (error) => ({ error }))

/** A raw server that answers each request with `reply(socket)` once the request is in. */
function rawServer (t, reply) {
  return tcpServer(t, (socket) => socket.once('data', () => reply(socket)))
}

test('an invalid chunk size fails the body with a TypeError', async (t) => {
  const { url } = await rawServer(t, (s) => s.end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\nmore\r\n0\r\n\r\n'))
  const res = await fetch(url)
  const { error } = await settle(res.text())
  t.true(error instanceof TypeError, String(error))
  t.true(['ERR_FF_PROTOCOL', 'ERR_FF_INCOMPLETE_BODY'].includes(error.cause?.code), error.cause?.code)
})

test('a chunked body cut off mid-chunk never looks complete', async (t) => {
  const { url } = await rawServer(t, (s) => s.end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nA\r\nhalf'))
  const res = await fetch(url)
  const { error } = await settle(res.arrayBuffer())
  t.true(error instanceof TypeError, String(error))
  t.is(error.cause?.code, 'ERR_FF_INCOMPLETE_BODY')
})

test('a chunked body without its final chunk never looks complete, also when streamed', async (t) => {
  const { url } = await rawServer(t, (s) => s.end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n'))
  const res = await fetch(url)
  const reader = res.body.getReader()
  const first = await reader.read()
  t.is(Buffer.from(first.value).toString(), 'hello')
  const { error } = await settle(reader.read())
  t.true(error instanceof TypeError, String(error))
})

test('bytes beyond Content-Length are not part of the body, and the next request still works', async (t) => {
  let connections = 0
  const { url } = await tcpServer(t, (socket) => {
    connections++
    socket.on('data', () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhelloEXTRA-GARBAGE'))
  })
  t.is(await (await fetch(url)).text(), 'hello')
  const second = await settle(fetch(url).then((r) => r.text()))
  // The garbage must not be read as the next response: either the
  // connection is dropped and a new one answers, or the request fails
  // cleanly; never 'EXTRA-GARBAGE' as a body.
  if (second.error) t.true(second.error instanceof TypeError, String(second.error))
  else t.is(second.value, 'hello')
  t.true(connections >= 1)
})

test('a response head over the size limit is a protocol error, not unbounded memory', async (t) => {
  const { url } = await rawServer(t, (s) => {
    s.write('HTTP/1.1 200 OK\r\nx-huge: ')
    const chunk = 'a'.repeat(64 * 1024)
    let sent = 0
    const pump = () => {
      // Bounded: 8 MiB at most, far above any header limit.
      while (sent < 128 && !s.destroyed) {
        sent++
        if (!s.write(chunk)) return s.once('drain', pump)
      }
      s.end('\r\n\r\n')
    }
    pump()
  })
  const { error } = await settle(fetch(url))
  t.true(error instanceof TypeError, String(error))
  t.is(error.cause?.code, 'ERR_FF_PROTOCOL')
})

test('a server that trickles its head forever is ended by timeout', async (t) => {
  const { url } = await rawServer(t, (s) => {
    s.write('HTTP/1.1 200 OK\r\n')
    let n = 0
    const timer = setInterval(() => {
      if (s.destroyed || n++ > 200) return clearInterval(timer)
      s.write(`x-h${n}: v\r\n`)
    }, 20)
    s.on('close', () => clearInterval(timer))
  })
  const { error } = await settle(fetch(url, { timeout: 300 }))
  t.true(error instanceof DOMException, String(error))
  t.is(error.name, 'TimeoutError')
})

test('a pooled connection the server closed between requests is replaced transparently', async (t) => {
  let connections = 0
  const { url } = await tcpServer(t, (socket) => {
    connections++
    socket.once('data', () => {
      socket.write(`HTTP/1.1 200 OK\r\nconnection: keep-alive\r\ncontent-length: 4\r\n\r\nok ${connections}`)
      // The server drops the idle keep-alive connection soon after.
      setTimeout(() => socket.end(), 100)
    })
  })
  t.is(await (await fetch(url)).text(), 'ok 1')
  await sleep(400)
  t.is(await (await fetch(url)).text(), 'ok 2')
  t.is(connections, 2)
})

test('a server that closes while the head is half sent is a network error', async (t) => {
  const { url } = await rawServer(t, (s) => s.end('HTTP/1.1 200 OK\r\ncontent-le'))
  const { error } = await settle(fetch(url))
  t.true(error instanceof TypeError, String(error))
  t.truthy(error.cause?.code)
})

test('a server that closes without answering is a network error', async (t) => {
  const { url } = await rawServer(t, (s) => s.destroy())
  const { error } = await settle(fetch(url))
  t.true(error instanceof TypeError, String(error))
  t.truthy(error.cause?.code)
})

test('a response with many headers is read (as Node\'s fetch reads it)', async (t) => {
  const { url } = await rawServer(t, (s) => {
    let head = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n'
    for (let i = 0; i < 150; i++) head += `x-h${i}: ${i}\r\n`
    s.end(head + '\r\nok')
  })
  const res = await fetch(url)
  t.is(res.headers.get('x-h149'), '149')
  t.is(await res.text(), 'ok')
})

test('an abort during a stalled body read ends the read at once', async (t) => {
  const { url } = await rawServer(t, (s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nab'))
  const controller = new AbortController()
  const res = await fetch(url, { signal: controller.signal })
  const reader = res.body.getReader()
  await reader.read()
  const pending = reader.read()
  const reason = new Error('stop')
  controller.abort(reason)
  t.is((await settle(pending)).error, reason)
})
