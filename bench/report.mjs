// Turns raw worker results into medians, ratios and a plain-text table.

export function median (values) {
  if (values.length === 0) return undefined
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

const ratio = (a, b) => (a !== undefined && b ? a / b : undefined)

/** The two clients a workload's ratios are against (default: Node's fetch, undici). */
export function peersOf (spec) {
  return spec.peers ?? ['node-fetch', 'undici-request']
}

/** One row per (workload, client) in the order the workload table lists them. */
export function summarize (runs, workloadTable) {
  const rows = []
  const clientsOf = new Map()
  for (const [workload, spec] of Object.entries(workloadTable)) {
    const byClient = new Map()
    for (const client of spec.clients) {
      const mine = runs.filter((r) => r.workload === workload && r.client === client)
      if (mine.length === 0) continue
      const ok = mine.filter((r) => r.ok)
      const values = ok.map((r) => r.value)
      const med = median(values)
      byClient.set(client, {
        workload,
        client,
        unit: spec.unit,
        runs: mine.length,
        okRuns: ok.length,
        median: med,
        spreadPct: med ? ((Math.max(...values) - Math.min(...values)) / med) * 100 : undefined,
        rssMiB: median(ok.map((r) => r.maxRssKiB / 1024)),
        error: mine.find((r) => !r.ok)?.error?.split('\n')[0],
        warning: mine.find((r) => r.warning)?.warning,
        // Medians of the extra figures the workload names (e.g. events/s
        // beside CPU per event), for the note column.
        details: (spec.details ?? []).map((field) => [field, median(ok.map((r) => r[field]).filter((v) => typeof v === 'number'))]),
      })
    }
    clientsOf.set(workload, byClient)
    // A workload only ferrofetch can run (e.g. upload().writable) is
    // compared with the peers' rows of the workload it names.
    const peers = spec.comparedWith ? clientsOf.get(spec.comparedWith) ?? new Map() : byClient
    const [baseName, secondName] = peersOf(spec)
    const base = peers.get(baseName)
    const undici = peers.get(secondName)
    for (const row of byClient.values()) {
      row.vsNodeFetch = ratio(row.median, base?.median)
      row.vsUndici = ratio(row.median, undici?.median)
      row.rssVsNodeFetch = ratio(row.rssMiB, base?.rssMiB)
      rows.push(row)
    }
  }
  return rows
}

const num = (v) => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1))
const times = (v) => (v === undefined ? '-' : `${v.toFixed(2)}x`)

/** One line per workload naming the clients its ratio columns compare with. */
export function formatLegend (workloadTable, rows) {
  const shown = new Set(rows.map((r) => r.workload))
  return Object.entries(workloadTable)
    .filter(([name]) => shown.has(name))
    .map(([name, spec]) => {
      const [base, second] = peersOf(spec)
      const from = spec.comparedWith ? ` (rows of ${spec.comparedWith})` : ''
      const better = spec.lowerIsBetter ? '; lower is better' : ''
      return `${name}: base = ${base}, 2nd = ${second}${from}${better}`
    })
    .join('\n')
}

export function formatTable (rows) {
  const header = ['workload', 'client', 'median', 'unit', 'spread', 'ok/runs', 'RSS MiB', 'vs base', 'vs 2nd', 'RSS vs base', 'note']
  const body = rows.map((r) => [
    r.workload,
    r.warning ? `${r.client}*` : r.client,
    num(r.median),
    r.unit,
    r.spreadPct === undefined ? '-' : `${r.spreadPct.toFixed(0)}%`,
    `${r.okRuns}/${r.runs}`,
    num(r.rssMiB),
    times(r.vsNodeFetch),
    times(r.vsUndici),
    times(r.rssVsNodeFetch),
    r.error ? `FAILED: ${r.error.slice(0, 100)}` : r.details.filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${num(v)}`).join(', '),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)))
  const line = (cells) =>
    cells
      .map((c, i) => (i >= 2 && i <= 9 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')]
  let previous
  for (const [i, cells] of body.entries()) {
    if (previous !== undefined && rows[i].workload !== previous) out.push('')
    previous = rows[i].workload
    out.push(line(cells))
  }
  const warning = rows.find((r) => r.warning)?.warning
  if (warning) out.push('', `* WARNING: ${warning}. These rows do NOT measure ferrofetch.`)
  return out.join('\n')
}
