// Reconnection rule: what keeps the process alive while a stream waits to
// reconnect. EventSource's timer is unref'd, as the `eventsource` package's
// (v5): a script whose EventSource is only waiting to reconnect exits, while
// an open connection still keeps it alive. events() keeps its timer ref'd:
// it runs only while a next() is awaited, and exiting there would abandon a
// `for await` in the middle instead of reconnecting as promised.
//
// Each case is a child process that must exit by itself (ava's timeout
// bounds the wait).
import test from 'ava'
import { runNode } from './helpers/child.mjs'
import { fileURLToPath } from 'node:url'
import { SSE_HEAD, sseServer } from './helpers/sse.mjs'

const INDEX_CJS = fileURLToPath(new URL('../index.js', import.meta.url))
const INDEX_MJS = new URL('../index.mjs', import.meta.url).href

/** Runs `source` in a child Node; resolves with its exit code and stdout. */
async function runChild (t, source, { module = false, onOutput = () => {} } = {}) {
  const { code, stdout } = await runNode(source, { module, onOutput, t })
  return { code, output: stdout }
}

test('an EventSource waiting to reconnect does not keep the process alive', async (t) => {
  // The stream ends with a 10-minute reconnection time, and nothing closes
  // the EventSource: the child must still exit by itself.
  const server = await sseServer(t, (req, res) => res.writeHead(200, SSE_HEAD).end('retry: 600000\ndata: x\n\n'))
  const { code, output } = await runChild(t, `
    const { EventSource } = require(${JSON.stringify(INDEX_CJS)})
    const es = new EventSource(${JSON.stringify(server.url)})
    es.onmessage = (e) => console.log('message ' + e.data)
    es.onerror = () => console.log('error ' + es.readyState)
  `)
  t.is(code, 0)
  t.is(output, 'message x\nerror 0\n')
  t.is(server.requests.length, 1)
})

test("an EventSource's open connection keeps the process alive", async (t) => {
  // The server sends a second event only once the child has printed the
  // first: had the process exited with the connection open, it would be lost.
  let response
  const server = await sseServer(t, (req, res) => {
    response = res
    res.writeHead(200, SSE_HEAD).write('data: one\n\n')
  })
  let sentSecond = false
  const { code, output } = await runChild(t, `
    const { EventSource } = require(${JSON.stringify(INDEX_CJS)})
    const es = new EventSource(${JSON.stringify(server.url)})
    es.onmessage = (e) => {
      console.log('message ' + e.data)
      if (e.data === 'two') es.close()
    }
  `, {
    onOutput: (text) => {
      if (!sentSecond && text.includes('message one\n')) {
        sentSecond = true
        response.write('data: two\n\n')
      }
    }
  })
  t.is(code, 0)
  t.is(output, 'message one\nmessage two\n')
})

test('events() waiting to reconnect inside a for await keeps the process alive until it reconnects', async (t) => {
  // Had the timer been unref'd, the child would exit during the wait with
  // an unsettled top-level await (exit code 13) and never print 'two'.
  const server = await sseServer(t, (req, res, n) => {
    res.writeHead(200, SSE_HEAD)
    if (n === 1) res.end('retry: 200\ndata: one\n\n')
    else res.write('data: two\n\n')
  })
  const { code, output } = await runChild(t, `
    import { events } from ${JSON.stringify(INDEX_MJS)}
    for await (const ev of events(${JSON.stringify(server.url)})) {
      console.log(ev.data)
      if (ev.data === 'two') break
    }
    console.log('done')
  `, { module: true })
  t.is(output, 'one\ntwo\ndone\n')
  t.is(code, 0)
  t.is(server.requests.length, 2)
})
