// The size limit in force when none is given: the native parser's default
// (crates/sse DEFAULT_MAX_SIZE), which lib/sse.js states once for the
// messages of createParser and EventSource. Every server is real, on
// 127.0.0.1; waits end on events, never on elapsed time.
import test from 'ava'
import { createRequire } from 'node:module'
import { createParser, EventSource } from '../index.mjs'
import { httpServer } from './helpers/servers.mjs'

const require = createRequire(import.meta.url)
const { DEFAULT_MAX_SIZE } = require('../lib/sse.js')
const PREFIX = 'data: '

/** What a fresh createParser without maxBufferSize reports for one `data` line of `length` bytes. */
function parseOneLine (length) {
  const log = []
  const parser = createParser({
    onEvent: (event) => log.push(['event', event.data.length]),
    onError: (error) => log.push(['error', error.type, error.message])
  })
  parser.feed(`${PREFIX}${'x'.repeat(length - PREFIX.length)}\n\n`)
  return log
}

test('the default limit is 16 MiB, stated once', (t) => {
  t.is(DEFAULT_MAX_SIZE, 16 * 1024 * 1024)
})

test('without maxBufferSize, a line of exactly the default size parses and one byte more is over the native limit', (t) => {
  t.deepEqual(parseOneLine(DEFAULT_MAX_SIZE), [['event', DEFAULT_MAX_SIZE - PREFIX.length]])
  t.deepEqual(parseOneLine(DEFAULT_MAX_SIZE + 1), [
    ['error', 'max-buffer-size-exceeded', `Buffered data exceeded max buffer size of ${DEFAULT_MAX_SIZE} bytes`]
  ])
})

test('without maxSize, EventSource fails a line over the default with the message createParser gives', async (t) => {
  const { url } = await httpServer(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.end(`${PREFIX}${'x'.repeat(DEFAULT_MAX_SIZE)}\n\n`)
  })
  const es = new EventSource(url)
  t.teardown(() => es.close())
  const error = await new Promise((resolve) => es.addEventListener('error', resolve, { once: true }))
  t.is(es.readyState, EventSource.CLOSED)
  t.is(error.message, parseOneLine(DEFAULT_MAX_SIZE + 1)[0][2])
})
