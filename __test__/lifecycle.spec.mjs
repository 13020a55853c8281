import test from 'ava'
import { runNode } from './helpers/child.mjs'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../index.js', import.meta.url))

/** Runs a script in a fresh Node process (helpers/child.mjs). */
const runScript = (script) => runNode(script)

const withServer = (body) => `
  const http = require('node:http')
  const { fetch, Client } = require(${JSON.stringify(entry)})
  const server = http.createServer((req, res) => {
    res.write('x'.repeat(1 << 20))
    if (req.url === '/endless') return  // never ends
    res.end()
  })
  server.listen(0, '127.0.0.1', async () => {
    const url = 'http://127.0.0.1:' + server.address().port
    ${body}
    server.close()
    server.closeAllConnections()
  })`

test('the process exits with an unconsumed body and idle pooled connections', async (t) => {
  const { code, stdout, stderr } = await runScript(withServer(`
    const consumed = await fetch(url)
    await consumed.text()            // leaves an idle pooled connection
    const left = await fetch(url + '/endless')  // never read
    console.log('status', left.status)
  `))
  t.is(code, 0, stderr)
  t.regex(stdout, /status 200/)
})

test('the process exits with a half-read body', async (t) => {
  const { code, stderr } = await runScript(withServer(`
    const res = await fetch(url + '/endless')
    const reader = res.body.getReader()
    await reader.read()
  `))
  t.is(code, 0, stderr)
})

/**
 * Script lines (inside a server's listen callback, with `url` and
 * `workerCode` defined): runs two workers one after the other, each until
 * its first message, which is printed, then terminates it; then fetches
 * /main from the main thread and prints the text.
 */
const twoWorkersThenMain = `
      for (let i = 0; i < 2; i++) {
        const worker = new Worker(workerCode, { eval: true, workerData: url })
        const [msg] = await require('node:events').once(worker, 'message')
        console.log(msg)
        await worker.terminate()
      }
      console.log(await (await fetch(url + '/main')).text())`

test('the module loads and works inside worker_threads, and keeps working after a worker exits', async (t) => {
  const { code, stdout, stderr } = await runScript(`
    const { Worker } = require('node:worker_threads')
    const http = require('node:http')
    const { fetch } = require(${JSON.stringify(entry)})
    const server = http.createServer((req, res) => res.end('hi from ' + req.url)).listen(0, '127.0.0.1', async () => {
      const url = 'http://127.0.0.1:' + server.address().port
      const workerCode = "const { parentPort, workerData } = require('node:worker_threads');" +
        "const { fetch } = require(" + JSON.stringify(${JSON.stringify(entry)}) + ");" +
        "fetch(workerData + '/worker').then(r => r.text()).then(t => parentPort.postMessage(t))"
      ${twoWorkersThenMain}
      server.close()
    })`)
  t.is(code, 0, stderr)
  t.is(stdout, 'hi from /worker\nhi from /worker\nhi from /main\n')
})

test('a worker terminated while a read and an upload wait on the network leaves the main thread working', async (t) => {
  // The worker's readable and writable waits complete from the tokio
  // thread through the worker's ready-queue (src/ready_queue.rs); after the
  // worker's environment is gone, that must be a no-op, not a crash.
  const { code, stdout, stderr } = await runScript(`
    const { Worker } = require('node:worker_threads')
    const http = require('node:http')
    const { fetch } = require(${JSON.stringify(entry)})
    const server = http.createServer((req, res) => {
      if (req.url === '/idle') return res.write(':\\n')   // one comment, then silence
      if (req.url === '/stall') return res.writeHead(200)  // never reads the upload
      res.end('hi from ' + req.url)
    }).listen(0, '127.0.0.1', async () => {
      const url = 'http://127.0.0.1:' + server.address().port
      const workerCode = "const { parentPort, workerData: url } = require('node:worker_threads');" +
        "const { fetch, upload } = require(" + JSON.stringify(${JSON.stringify(entry)}) + ");" +
        "(async () => {" +
        "  const reader = (await fetch(url + '/idle')).body.getReader();" +
        "  await reader.read(); reader.read();" +
        "  const { writable } = upload(url + '/stall'); const writer = writable.getWriter();" +
        "  const chunk = new Uint8Array(1 << 16);" +
        "  for (let i = 0; i < 4096 && writer.desiredSize > 0; i++) { writer.write(chunk).catch(() => {}); await new Promise((r) => setTimeout(r, 1)); }" +
        "  parentPort.postMessage(writer.desiredSize > 0 ? 'the upload never filled' : 'waiting');" +
        "})()"
      ${twoWorkersThenMain}
      server.closeAllConnections()
      server.close()
    })`)
  t.is(code, 0, stderr)
  t.is(stdout, 'waiting\nwaiting\nhi from /main\n')
})
