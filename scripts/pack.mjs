// `npm run pack`: the tarballs a release publishes, for this machine's
// platform (the release workflow packs the others). Builds the release
// addon if it is not up to date (cargo decides; an up-to-date build is a
// no-op), puts it into npm/<platform>/ as `napi artifacts` does, checks the
// linux-x64-gnu addon's glibc floor, and writes the .tgz of the main package
// and of every platform package that has its addon into dist/, printing
// their names and sizes.
//
//   node scripts/pack.mjs [--no-build]   --no-build: pack the addons npm/
//                                        already holds (the release workflow)
//
// The repo's package.json lists no optionalDependencies: npm ci would need
// the platform packages in the lockfile before they are published. As
// `napi prepublish` does, the packed package.json gets them, one per
// npm/<platform>/ package, at the main package's version; it loses the
// repo's scripts and ava config.
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildAddon, root } from './build.mjs'
import { GLIBC_FLOOR, checkGlibcFloor } from './glibc-floor.mjs'

const { platformName } = createRequire(import.meta.url)('../lib/platform.js')
export const DIST = join(root, 'dist')
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'))

/** Builds, checks and packs; returns [{ name, file, size, unpackedSize }]. */
export function pack ({ build = true } = {}) {
  if (build) {
    const built = buildAddon({ local: false })
    const platform = platformName()
    const dest = join(root, 'npm', platform, `ferrofetch.${platform}.node`)
    copyFileSync(built, `${dest}.tmp`)
    renameSync(`${dest}.tmp`, dest)
  }
  const linuxX64 = join(root, 'npm', 'linux-x64-gnu', 'ferrofetch.linux-x64-gnu.node')
  if (existsSync(linuxX64)) {
    const floor = checkGlibcFloor(linuxX64)
    console.log(`ferrofetch: linux-x64-gnu addon needs glibc ${floor} (floor ${GLIBC_FLOOR})`)
  }
  rmSync(DIST, { recursive: true, force: true })
  mkdirSync(DIST)
  const platformDirs = readdirSync(join(root, 'npm')).sort().map((platform) => join(root, 'npm', platform))
  const packed = [packMain(platformDirs)]
  for (const dir of platformDirs) {
    if (existsSync(join(dir, readJson(join(dir, 'package.json')).main))) packed.push(npmPack(dir))
  }
  return packed
}

/** The main package, staged with the optionalDependencies it publishes with. */
function packMain (platformDirs) {
  const pkg = readJson(join(root, 'package.json'))
  pkg.optionalDependencies = Object.fromEntries(platformDirs.map((dir) => {
    const platformPkg = readJson(join(dir, 'package.json'))
    if (platformPkg.version !== pkg.version) {
      throw new Error(`${platformPkg.name} is at ${platformPkg.version}, ferrofetch at ${pkg.version}`)
    }
    return [platformPkg.name, pkg.version]
  }))
  // The scripts only work in the repo (scripts/ is not packed), and npm warns
  // every user about a `prepare` it will not even run for a registry install.
  delete pkg.scripts
  delete pkg.ava
  const stage = mkdtempSync(join(tmpdir(), 'ferrofetch-pack-'))
  try {
    for (const file of packedFiles(root)) {
      mkdirSync(dirname(join(stage, file)), { recursive: true })
      cpSync(join(root, file), join(stage, file))
    }
    writeFileSync(join(stage, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')
    return npmPack(stage)
  } finally {
    rmSync(stage, { recursive: true, force: true })
  }
}

/** The files `npm pack` takes from `dir` (its `files`, README, LICENSE...). */
function packedFiles (dir) {
  const [info] = npm(dir, ['pack', '--dry-run', '--json', '--ignore-scripts'])
  return info.files.map((f) => f.path)
}

function npmPack (dir) {
  const [info] = npm(dir, ['pack', '--json', '--ignore-scripts', '--pack-destination', DIST])
  return { name: info.name, file: join(DIST, info.filename), size: info.size, unpackedSize: info.unpackedSize }
}

// --ignore-scripts everywhere: `prepare` would build again and copy to ./ferrofetch.node.
function npm (cwd, args) {
  const res = spawnSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  if (res.error) throw res.error
  if (res.status !== 0) throw new Error(`npm ${args.join(' ')} in ${cwd} exited with ${res.status}`)
  return JSON.parse(res.stdout)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`
    for (const { name, file, size, unpackedSize } of pack({ build: !process.argv.includes('--no-build') })) {
      console.log(`ferrofetch: ${name}: dist/${file.split('/').pop()} ${mb(size)} (unpacked ${mb(unpackedSize)})`)
    }
  } catch (err) {
    console.error(`ferrofetch: ${err.message}`)
    process.exit(1)
  }
}
