// Builds the native addon with cargo and puts it where lib/native.js loads
// it (./ferrofetch.node). Release by default, since that is what users and
// the benchmark need; `--debug` for quick iteration.
import { spawnSync } from 'node:child_process'
import { copyFileSync, renameSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const debug = process.argv.includes('--debug') || process.env.FERROFETCH_BUILD === 'debug'
const profile = debug ? 'debug' : 'release'

// The whole workspace, so that crate features unify exactly as they do for
// `cargo test --workspace` and the bench server: dependencies are then
// compiled once for the addon, the tests and the benchmark.
const args = ['build', '--workspace']
if (!debug) args.push('--release')
const result = spawnSync('cargo', args, { cwd: root, stdio: 'inherit' })
if (result.error) {
  console.error(`ferrofetch: could not run cargo (${result.error.message}); install Rust from rustup.rs`)
  process.exit(1)
}
if (result.status !== 0) process.exit(result.status ?? 1)

const ext = { darwin: 'dylib', win32: 'dll' }[process.platform] ?? 'so'
const prefix = process.platform === 'win32' ? '' : 'lib'
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, 'target')
const built = join(targetDir, profile, `${prefix}ferrofetch_node.${ext}`)
// Copy then rename, so a process that has the old addon loaded keeps a
// valid file and a new one never sees a half-written library.
const dest = join(root, 'ferrofetch.node')
copyFileSync(built, `${dest}.tmp`)
renameSync(`${dest}.tmp`, dest)
console.log(`ferrofetch: built ${profile} addon -> ferrofetch.node`)
