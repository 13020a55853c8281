import test from 'ava'
import { runNodeWith } from './helpers/child.mjs'
import { fileURLToPath } from 'node:url'

const soak = fileURLToPath(new URL('../scripts/soak.mjs', import.meta.url))

test('memory, descriptors and handles stay flat over 12,000 mixed requests (the bounded soak)', async (t) => {
  // Full reads, cancelled bodies, aborts, timeouts, refused connections and
  // bodies left to the GC, in a child process with --expose-gc; the script
  // judges flatness after warm-up (npm run soak runs 100,000).
  // 180 s: a bound for the child, not a speed requirement.
  const { code, stdout } = await runNodeWith(['--expose-gc', soak, '12000'], { timeoutMs: 180_000 })
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l))
  const verdict = lines.at(-1)
  t.log(lines.slice(0, -1).map((s) => `${s.requests}: ${s.rssMiB.toFixed(0)} MiB, ${s.fds} fds, ${s.handles} handles`).join('; '))
  t.is(verdict.requests, 12000)
  t.true(verdict.flat, JSON.stringify(verdict))
  t.is(code, 0)
})
