// Leak soak: many requests in one process, mixing every way a request can
// end — full reads, cancelled bodies, aborts, timeouts, network errors and
// bodies left to the garbage collector — then checks that RSS, open file
// descriptors and active handles come back to a plateau after gc().
//
//   node --expose-gc scripts/soak.mjs [requests]     (npm run soak: 100,000)
//
// Prints one JSON line per checkpoint and a final verdict line; exits 1 when
// something keeps growing. The test suite runs a bounded version.
import http from 'node:http'
import net from 'node:net'
import { readdirSync } from 'node:fs'
import { once } from 'node:events'
import { fetch } from '../index.mjs'

const total = Number(process.argv[2] ?? 100_000)
const checkpoints = 8
if (typeof globalThis.gc !== 'function') {
  console.error('run with --expose-gc')
  process.exit(2)
}

const server = http.createServer((req, res) => {
  if (req.url === '/slow') return setTimeout(() => res.end('late'), 200)
  if (req.url === '/stream') {
    res.write('x'.repeat(16 * 1024))
    const timer = setInterval(() => res.write('y'.repeat(1024)), 5)
    return res.on('close', () => clearInterval(timer))
  }
  res.end('x'.repeat(1024))
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1')
await once(server, 'listening')
const base = `http://127.0.0.1:${server.address().port}`
// A port with nothing listening: refused connections.
const probe = net.createServer().listen(0, '127.0.0.1')
await once(probe, 'listening')
const refused = `http://127.0.0.1:${probe.address().port}/`
probe.close()

const kinds = [
  async () => { await (await fetch(`${base}/full`)).text() },
  async () => { const r = await fetch(`${base}/stream`); const reader = r.body.getReader(); await reader.read(); await reader.cancel() },
  async () => { const c = new AbortController(); const p = fetch(`${base}/slow`, { signal: c.signal }); c.abort(); await p.catch(() => {}) },
  async () => { await fetch(`${base}/slow`, { timeout: 5 }).catch(() => {}) },
  async () => { await fetch(refused).catch(() => {}) },
  async () => { await fetch(`${base}/stream`) } // body left for the GC
]

const fds = () => readdirSync('/proc/self/fd').length
const handles = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length

async function settle () {
  // Long enough for the slow route's timers and aborted sockets to finish,
  // so that what is counted is what stays.
  for (let i = 0; i < 4; i++) {
    globalThis.gc()
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const samples = []
const perCheckpoint = Math.ceil(total / checkpoints)
let done = 0
for (let c = 0; c < checkpoints; c++) {
  const target = Math.min(total, done + perCheckpoint)
  // 32 loops share the work, each running the kinds round-robin.
  await Promise.all(Array.from({ length: 32 }, async (_, lane) => {
    for (let i = lane; done < target; i += 32) {
      done++
      await kinds[i % kinds.length]()
    }
  }))
  await settle()
  const sample = { requests: done, rssMiB: process.memoryUsage().rss / 1048576, fds: fds(), handles: handles() }
  samples.push(sample)
  console.log(JSON.stringify(sample))
}
server.close()
server.closeAllConnections()

// The first half of the checkpoints warms up (JIT, pools, allocator
// arenas, the GC's heap sizing); after it, nothing may keep growing. Descriptors and handles move with the number
// of pooled keep-alive connections (both ends live in this process, up to
// two per lane), so they get that much slack; a per-request leak grows
// past it within a few thousand requests.
const after = samples.slice(checkpoints / 2)
const growth = (key) => Math.max(...after.map((s) => s[key])) - after[0][key]
const slack = 2 * 32
const verdict = {
  requests: done,
  rssGrowthMiB: growth('rssMiB'),
  fdGrowth: growth('fds'),
  handleGrowth: growth('handles'),
  flat: growth('rssMiB') < 16 && growth('fds') <= slack && growth('handles') <= slack
}
console.log(JSON.stringify(verdict))
process.exit(verdict.flat ? 0 : 1)
