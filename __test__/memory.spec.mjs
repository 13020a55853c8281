import test from 'ava'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../index.js', import.meta.url))

test('a 1 GiB body read by a slow consumer keeps memory bounded and the server waits', async (t) => {
  // In a child process, so peak RSS belongs to this download alone. The
  // consumer pauses after every 64 MiB; during a pause the server must stop.
  const script = `
    const http = require('node:http')
    const { fetch } = require(${JSON.stringify(entry)})
    const chunk = Buffer.alloc(1 << 20, 0x78)
    const total = 1024
    let sent = 0
    let maxAhead = 0
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-length': total * chunk.length })
      const pump = () => {
        while (sent < total * chunk.length) {
          sent += chunk.length
          if (!res.write(chunk)) { res.once('drain', pump); return }
        }
        res.end()
      }
      pump()
    }).listen(0, '127.0.0.1', async () => {
      const res = await fetch('http://127.0.0.1:' + server.address().port)
      let received = 0
      let nextPause = 64 << 20
      for await (const c of res.body) {
        received += c.length
        if (received >= nextPause) {
          nextPause += 64 << 20
          await new Promise((resolve) => setTimeout(resolve, 50))
          // After the pause the server has written all it could.
          maxAhead = Math.max(maxAhead, sent - received)
        }
      }
      server.close()
      console.log(JSON.stringify({ received, maxAheadMiB: maxAhead / 1048576, maxRssMiB: process.resourceUsage().maxRSS / 1024 }))
    })`
  const stdout = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { timeout: 120_000, killSignal: 'SIGKILL' },
      (err, out, stderr) => err ? reject(new Error(stderr || err.message)) : resolve(out))
  })
  const result = JSON.parse(stdout.trim().split('\n').pop())
  t.is(result.received, 1024 * 1024 * 1024)
  // With backpressure the server gets at most the read-ahead queue plus
  // socket buffers ahead of the consumer; without, ~50 MiB per pause.
  t.true(result.maxAheadMiB < 40, `server ran ${result.maxAheadMiB} MiB ahead of the consumer`)
  // Node alone is ~40 MiB; buffering the body would be over 1 GiB.
  t.true(result.maxRssMiB < 200, `peak RSS ${result.maxRssMiB} MiB`)
  t.log(`peak RSS ${result.maxRssMiB.toFixed(0)} MiB, server at most ${result.maxAheadMiB.toFixed(1)} MiB ahead`)
})
