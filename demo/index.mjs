// npm run demo: an embedded local server produces a body slowly, word by
// word, the way an LLM or a log tail does; ferrofetch shows each piece the
// moment it arrives, then downloads 256 MiB to show throughput.
import http from 'node:http'
import { once } from 'node:events'
import { fetch } from '../index.mjs'

const words = 'Rust does the network and JavaScript sees a real ReadableStream: each word arrives as the server writes it.'.split(' ')
const chunk = Buffer.alloc(1 << 20, 0x2e)

const server = http.createServer(async (req, res) => {
  if (req.url === '/download') {
    const total = 256
    res.writeHead(200, { 'content-length': total * chunk.length })
    for (let i = 0; i < total; i++) {
      if (!res.write(chunk)) await once(res, 'drain')
    }
    return res.end()
  }
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
  for (const word of words) {
    res.write(word + ' ')
    await new Promise((resolve) => setTimeout(resolve, 120))
  }
  res.end('\n')
})
server.listen(0, '127.0.0.1')
await once(server, 'listening')
const base = `http://127.0.0.1:${server.address().port}`

const started = performance.now()
const res = await fetch(`${base}/stream`)
console.log(`fetch resolved after ${(performance.now() - started).toFixed(1)} ms: ${res.status} ${res.statusText}, content-type ${res.headers.get('content-type')}`)
const decoder = new TextDecoder()
for await (const piece of res.body) {
  process.stdout.write(`\x1b[2m[${String(Math.round(performance.now() - started)).padStart(5)} ms]\x1b[0m ${decoder.decode(piece, { stream: true })}\n`)
}

const t0 = performance.now()
let bytes = 0
const reader = (await fetch(`${base}/download`)).body.getReader()
for (;;) {
  const { done, value } = await reader.read()
  if (done) break
  bytes += value.length
}
const seconds = (performance.now() - t0) / 1000
console.log(`downloaded ${(bytes / 2 ** 20).toFixed(0)} MiB in ${seconds.toFixed(2)} s (${(bytes / 2 ** 20 / seconds).toFixed(0)} MiB/s; the local node:http server is the limit here, see npm run bench)`)
server.close()
