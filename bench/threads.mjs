// Where a client's CPU goes, by thread: runs one small-seq, small-c64 or
// fan-in measurement as the bench does and reads every thread's CPU time
// from /proc (Linux) over the measured part, grouped by thread name: "js"
// for the JS thread, "ferrofetch" for the tokio worker, and the kernel's
// names for the rest (Node 20's V8 platform workers, GC among them, are
// "node"; libuv's pool "libuv-worker").
// Usage: node bench/threads.mjs <client> small-seq|small-c64|fanin [baseUrl]
//   (without a baseUrl it starts the bench server itself)
// Prints one JSON line: { client, workload, per: 'request'|'event', units, threads: { name: µs per unit } }.

import { readdirSync, readFileSync } from 'node:fs'
import { loadClient } from './clients.mjs'
import { startServer } from './server.mjs'

const TICK_US = 1e6 / 100 // USER_HZ: 100 on Linux

/** CPU µs per thread name, summed over the threads alive now. */
function threadCpu () {
  const byName = {}
  for (const tid of readdirSync('/proc/self/task')) {
    let stat
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
    } catch {
      continue // the thread ended between readdir and read
    }
    const close = stat.lastIndexOf(')')
    const name = Number(tid) === process.pid ? 'js' : stat.slice(stat.indexOf('(') + 1, close)
    const fields = stat.slice(close + 2).split(' ')
    // Fields 14 and 15 of stat (utime, stime); fields[0] here is field 3.
    const us = (Number(fields[11]) + Number(fields[12])) * TICK_US
    byName[name] = (byName[name] ?? 0) + us
  }
  return byName
}

function perUnit (before, after, units) {
  const out = {}
  let total = 0
  for (const [name, us] of Object.entries(after)) {
    const spent = us - (before[name] ?? 0)
    if (spent <= 0) continue
    out[name] = +(spent / units).toFixed(2)
    total += spent
  }
  out.total = +(total / units).toFixed(2)
  return out
}

async function small (client, url, count, concurrency) {
  let started = 0
  const loop = async () => {
    while (started < count) {
      started++
      const body = await client.text(url)
      if (body !== 'hello world\n') throw new Error('unexpected /small body')
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, loop))
}

const [clientName, workload, givenUrl] = process.argv.slice(2)
if (!['small-seq', 'small-c64', 'fanin'].includes(workload)) {
  console.error('usage: node bench/threads.mjs <client> small-seq|small-c64|fanin [baseUrl]')
  process.exit(2)
}
const server = givenUrl ? undefined : await startServer()
const baseUrl = givenUrl ?? server.baseUrl
const client = await loadClient(clientName)
let result
if (workload === 'small-seq' || workload === 'small-c64') {
  const concurrency = workload === 'small-seq' ? 1 : 64
  const count = 20_000
  await small(client, `${baseUrl}/small`, 200, concurrency)
  const before = threadCpu()
  await small(client, `${baseUrl}/small`, count, concurrency)
  result = { per: 'request', units: count, threads: perUnit(before, threadCpu(), count) }
} else {
  const count = Number(process.env.BENCH_FANIN_STREAMS) || 2_000
  let events = 0
  const handle = await client.openFanIn(`${baseUrl}/sse-tick?every=250`, count, () => events++)
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  const before = threadCpu()
  const startEvents = events
  await new Promise((resolve) => setTimeout(resolve, 10_000))
  const after = threadCpu()
  const delivered = events - startEvents
  result = { per: 'event', units: delivered, streams: count, threads: perUnit(before, after, delivered) }
  handle.close()
}
console.log(JSON.stringify({ client: clientName, workload, ...result }))
server?.stop()
process.exit(0)
