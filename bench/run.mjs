// Benchmark runner: `npm run bench`.
//
// Starts the bench server once, then for every workload runs each client in a
// fresh worker process, interleaved (ABCABC...) so drift in machine load hits
// every client alike. Prints medians and ratios, writes bench/results/latest.json.
//
// Environment:
//   BENCH_ROUNDS=3       rounds per workload
//   BENCH_QUICK=1        much smaller sizes, for a smoke run
//   BENCH_WORKLOADS=a,b  only these workloads
//   BENCH_CLIENTS=a,b    only these clients
//   BENCH_TIMEOUT_S=120  hard time limit per worker
//   BENCH_REBUILD=1      always run cargo build for the server
//   BENCH_PIN=1          pin each worker to CPU 0 and the server to CPU 1
//                        (taskset), so client and server never share a core

import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { formatLegend, formatTable, summarize } from './report.mjs'
import { ROOT, buildServer, startServer } from './server.mjs'
import { workloads } from './workloads.mjs'

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url))
const quick = process.env.BENCH_QUICK === '1'
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS || 3))
const timeoutS = Number(process.env.BENCH_TIMEOUT_S || 120)
const list = (v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined)
const pinned = process.env.BENCH_PIN === '1'
const onlyWorkloads = list(process.env.BENCH_WORKLOADS)
const onlyClients = list(process.env.BENCH_CLIENTS)

// The table actually run: the filters applied to the workload table.
const selected = {}
for (const [name, spec] of Object.entries(workloads)) {
  if (onlyWorkloads && !onlyWorkloads.includes(name)) continue
  const clients = spec.clients.filter((c) => !onlyClients || onlyClients.includes(c))
  if (clients.length) selected[name] = { ...spec, clients }
}
if (Object.keys(selected).length === 0) {
  console.error('no workload/client left after BENCH_WORKLOADS / BENCH_CLIENTS filters')
  process.exit(2)
}

function machineFacts () {
  const cpus = os.cpus()
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadAvg: os.loadavg().map((l) => +l.toFixed(2)),
  }
}

/**
 * Checks once, in a throwaway process, whether ../index.js loads and exports
 * fetch. Returns '' when it does, else the reason (workers then use the
 * stand-in for the whole run).
 */
function probeFerrofetch () {
  const code = `import { requireFerrofetch } from './bench/clients.mjs';
    try { requireFerrofetch(); process.exit(0); }
    catch (err) { console.log(String(err?.message ?? err).split('\\n')[0]); process.exit(1); }`
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  })
  if (res.status === 0) return ''
  return (res.stdout.trim() || res.stderr.trim().split('\n').pop() || `probe exit ${res.status ?? res.signal}`).slice(0, 300)
}

let currentWorker
let workerEnv

/** Runs one worker and always resolves to a result object, never throws. */
function runWorker (client, workload, baseUrl) {
  return new Promise((resolve) => {
    const argv = [WORKER, client, workload, baseUrl]
    const [command, args] = pinned ? ['taskset', ['-c', '0', process.execPath, ...argv]] : [process.execPath, argv]
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: workerEnv,
    })
    currentWorker = child
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)))
    // Backstop for a worker whose own timer cannot fire (blocked event loop).
    const killer = setTimeout(() => child.kill('SIGKILL'), (timeoutS + 15) * 1000)
    const finish = (fallbackError) => {
      clearTimeout(killer)
      currentWorker = undefined
      const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop()
      try {
        if (line) return resolve(JSON.parse(line))
      } catch {
        // Fall through to the generic failure below.
      }
      const why = stderr.trim().split('\n').slice(-3).join(' | ') || fallbackError
      resolve({ client, workload, ok: false, error: `no result from worker (${why})` })
    }
    child.once('error', (err) => finish(String(err)))
    child.once('close', (code, signal) => finish(`exit ${code ?? signal}`))
  })
}

function describe (r) {
  if (!r.ok) return `FAILED: ${String(r.error).split('\n')[0]}`
  const rss = (r.maxRssKiB / 1024).toFixed(0)
  return `${r.value.toFixed(r.value >= 100 ? 0 : 1)} ${r.unit}, peak RSS ${rss} MiB${r.warning ? ' (stand-in)' : ''}`
}

async function main () {
  const machine = machineFacts()
  console.log(`node ${machine.node} | ${machine.platform} | ${machine.cpus} x ${machine.cpuModel} | ${machine.totalMemGiB} GiB RAM | load ${machine.loadAvg.join(' ')}`)
  const placement = pinned ? 'workers pinned to CPU 0, server to CPU 1' : 'server and clients share this machine'
  console.log(`rounds ${rounds}${quick ? ' | QUICK mode (small sizes)' : ''} | worker limit ${timeoutS} s | ${placement}\n`)

  const standIn = probeFerrofetch()
  if (standIn) console.log(`WARNING: ferrofetch not available (${standIn}); Node's global fetch stands in for it.\n`)
  workerEnv = {
    ...process.env,
    BENCH_QUICK: quick ? '1' : '0',
    BENCH_TIMEOUT_S: String(timeoutS),
    BENCH_FERROFETCH_STANDIN: standIn,
  }

  buildServer()
  // TLS (a throwaway CA and certificate) only when a selected workload uses it.
  const server = await startServer({ tls: Object.values(selected).some((spec) => spec.tls) })
  if (pinned) {
    const res = spawnSync('taskset', ['-a', '-pc', '1', String(server.child.pid)], { encoding: 'utf8' })
    if (res.status !== 0) throw new Error(`taskset failed for the server: ${res.stderr || res.error}`)
  }
  if (server.caFile) Object.assign(workerEnv, { BENCH_TLS_URL: server.tlsBaseUrl, BENCH_TLS_CA_FILE: server.caFile })
  const stopAll = () => {
    currentWorker?.kill('SIGKILL')
    server.stop()
  }
  process.once('exit', stopAll)
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      stopAll()
      process.exit(130)
    })
  }

  const runs = []
  const startedAt = new Date().toISOString()
  try {
    for (const [name, spec] of Object.entries(selected)) {
      for (let round = 1; round <= rounds; round++) {
        for (const client of spec.clients) {
          const load1 = os.loadavg()[0]
          const result = await runWorker(client, name, spec.tls ? server.tlsBaseUrl : server.baseUrl)
          Object.assign(result, { round, load1 })
          runs.push(result)
          console.error(`[${name} ${round}/${rounds}] ${client}: ${describe(result)}`)
        }
      }
    }
  } finally {
    stopAll()
  }

  const summary = summarize(runs, selected)
  console.log(`\n${formatTable(summary)}\n\n${formatLegend(workloads, summary)}`)
  console.log('\nmedian over rounds; MB = 10^6 bytes; spread = (max - min) / median; RSS = peak RSS of the worker process')
  const loads = runs.map((r) => r.load1)
  const maxLoad = Math.max(...loads)
  console.log(`1-min load average before each worker: ${Math.min(...loads).toFixed(2)} to ${maxLoad.toFixed(2)}`)
  if (maxLoad > machine.cpus + 1) console.log(`NOTE: load exceeded ${machine.cpus + 1} (other work on this machine?); treat the numbers as noisy.`)

  const dir = join(ROOT, 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'latest.json')
  writeFileSync(file, `${JSON.stringify({ startedAt, machine, quick, rounds, summary, runs }, null, 2)}\n`)
  console.log(`results written to ${file}`)
  if (runs.some((r) => !r.ok)) process.exitCode = 1
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
