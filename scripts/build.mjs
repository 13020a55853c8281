// Builds the native addon with `napi build` (@napi-rs/cli). Release by
// default, since that is what users and the benchmark need; `--debug` for
// quick iteration. A build for this machine is copied to ./ferrofetch.node,
// the local build lib/native.js loads first.
//
//   node scripts/build.mjs [--debug] [--target <triple>] [--zig] [--out <dir>]
//
// A linux-x64-gnu build for this host links against glibc 2.17 with
// napi-rs's prebuilt toolchain (scripts/toolchain.mjs); a release build
// installs it from the npm registry on first use, and when that is
// impossible builds against the system's glibc and says so. `--zig`
// (cargo-zigbuild) is how the release workflow cross-builds the musl and
// arm64 Linux targets; `--out` copies the addon there for upload.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, renameSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HOST_TRIPLE, floorEnv, hostIsLinuxX64Gnu, installToolchain, toolchainInstalled } from './toolchain.mjs'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const targetDir = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(root, 'target')
const napiCli = createRequire(import.meta.url).resolve('@napi-rs/cli/package.json').replace(/package\.json$/, 'dist/cli.js')

/**
 * Runs `napi build --platform` and returns the path of the built
 * `ferrofetch.<platform>.node`. `local` also puts it at ./ferrofetch.node.
 */
export function buildAddon ({ debug = false, target, zig = false, local } = {}) {
  const profile = debug ? 'debug' : 'release'
  const triple = target ?? hostTriple()
  local ??= triple === hostTriple()
  const outDir = join(targetDir, 'napi', triple, profile)
  const env = { ...process.env }
  if (triple === HOST_TRIPLE && hostIsLinuxX64Gnu() && !zig) {
    if (!debug && !toolchainInstalled()) {
      try {
        installToolchain()
      } catch (err) {
        console.warn(`ferrofetch: could not install the glibc 2.17 toolchain (${err.message}); ` +
          'building against this system\'s glibc, so the addon needs at least this glibc')
      }
    }
    if (toolchainInstalled()) Object.assign(env, floorEnv())
  }
  // --no-js: lib/native.js is the loader. (No typings are generated either:
  // index.d.ts is hand-written, napi-derive is built without `type-def`.)
  // --workspace, as `cargo test --workspace` and clippy do, so crate
  // features unify and dependencies compile once for all of them.
  const args = [napiCli, 'build', '--platform', '--no-js', '--output-dir', outDir]
  if (!debug) args.push('--release')
  if (target) args.push('--target', target)
  if (zig) args.push('--cross-compile')
  args.push('--', '--workspace')
  const result = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' })
  if (result.error) throw result.error
  if (result.status !== 0) {
    throw new Error(`napi build exited with ${result.status}; it needs Rust (cargo), from rustup.rs`)
  }
  const built = join(outDir, `ferrofetch.${platformOf(triple)}.node`)
  if (local) {
    // Copy then rename, so a process that has the old addon loaded keeps a
    // valid file and a new one never sees a half-written library.
    const dest = join(root, 'ferrofetch.node')
    copyFileSync(built, `${dest}.tmp`)
    renameSync(`${dest}.tmp`, dest)
    console.log(`ferrofetch: built ${profile} addon -> ferrofetch.node`)
  }
  return built
}

/** napi-rs's platform name of a Rust target triple, e.g. linux-x64-gnu. */
export function platformOf (triple) {
  const [arch, , os, abi] = triple.split('-')
  const cpu = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32' }[arch] ?? arch
  const platform = { darwin: 'darwin', windows: 'win32', linux: 'linux' }[os] ?? os
  return [platform, cpu, abi].filter(Boolean).join('-')
}

let host
function hostTriple () {
  host ??= readHostTriple()
  return host
}

function readHostTriple () {
  if (hostIsLinuxX64Gnu()) return HOST_TRIPLE
  const triple = spawnSync('rustc', ['-vV'], { encoding: 'utf8' }).stdout?.match(/^host: (.+)$/m)?.[1]
  if (!triple) throw new Error('could not read the host triple from `rustc -vV`')
  return triple
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2)
  const valueOf = (flag) => argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined
  try {
    const built = buildAddon({
      debug: argv.includes('--debug') || process.env.FERROFETCH_BUILD === 'debug',
      target: valueOf('--target'),
      zig: argv.includes('--zig')
    })
    const out = valueOf('--out')
    if (out) {
      mkdirSync(out, { recursive: true })
      copyFileSync(built, join(out, basename(built)))
    }
  } catch (err) {
    console.error(`ferrofetch: ${err.message}`)
    process.exit(1)
  }
}
