// One measurement in a fresh process, so peak RSS and JIT state belong to a
// single client and workload.
// Usage: node bench/worker.mjs <client> <workload> <baseUrl>
// Prints exactly one JSON line on stdout: { ok, value | error, maxRssKiB, ... }.

import { loadClient } from './clients.mjs'
import { workloads } from './workloads.mjs'

const [clientName, workloadName, baseUrl] = process.argv.slice(2)
const quick = process.env.BENCH_QUICK === '1'
const limitMs = Number(process.env.BENCH_TIMEOUT_S || 120) * 1000

let reported = false
function report (fields) {
  if (reported) return
  reported = true
  const line = JSON.stringify({
    client: clientName,
    workload: workloadName,
    quick,
    ...fields,
    // maxRSS is in KiB and covers the whole life of the process.
    maxRssKiB: process.resourceUsage().maxRSS,
  })
  // Exit explicitly once the line is out: pooled keep-alive sockets would
  // otherwise hold the process open.
  process.stdout.write(`${line}\n`, () => process.exit(fields.ok ? 0 : 1))
}

// Hard limit inside the worker; run.mjs also kills it a little later in case
// the event loop is blocked and this timer cannot fire. Left ref'd on purpose:
// a workload stuck on a promise nothing will settle still gets reported.
setTimeout(() => report({ ok: false, error: `timed out after ${limitMs / 1000} s` }), limitMs)

try {
  const workload = workloads[workloadName]
  if (!workload) throw new Error(`unknown workload ${workloadName}`)
  if (!baseUrl) throw new Error('usage: worker.mjs <client> <workload> <baseUrl>')
  const client = await loadClient(clientName)
  const result = await workload.run(client, baseUrl, quick)
  await client.close()
  report({ ok: true, unit: workload.unit, warning: client.warning, ...result })
} catch (err) {
  report({ ok: false, error: String(err?.stack ?? err) })
}
