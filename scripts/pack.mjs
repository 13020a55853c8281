// `npm run pack`: the tarballs a release publishes, for this machine's
// platform (the release workflow packs the others). Builds the release addon if it is not up to date (cargo
// decides; an up-to-date build is a no-op), puts it into
// npm/<platform>/ as `napi artifacts` does, checks the linux-x64-gnu
// addon's glibc floor, and writes the .tgz of the main package and of every
// platform package that has its addon into dist/, printing names and sizes.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { buildAddon, root } from './build.mjs'
import { GLIBC_FLOOR, compareVersions, glibcFloor } from './glibc-floor.mjs'

const { platformName } = createRequire(import.meta.url)('../lib/platform.js')

export const DIST = join(root, 'dist')

/** Builds, checks and packs; returns [{ name, file, size }] of the tarballs. */
export function pack () {
  const built = buildAddon({ local: false })
  const platform = platformName()
  const dest = join(root, 'npm', platform, `ferrofetch.${platform}.node`)
  copyFileSync(built, `${dest}.tmp`)
  renameSync(`${dest}.tmp`, dest)
  if (platform === 'linux-x64-gnu') {
    const floor = glibcFloor(dest)
    if (floor && compareVersions(floor, GLIBC_FLOOR) > 0) {
      throw new Error(`${dest} needs glibc ${floor}, above the floor ${GLIBC_FLOOR}: ` +
        'build it with the glibc 2.17 toolchain (node scripts/toolchain.mjs install)')
    }
    console.log(`ferrofetch: linux-x64-gnu addon needs glibc ${floor} (floor ${GLIBC_FLOOR})`)
  }
  rmSync(DIST, { recursive: true, force: true })
  mkdirSync(DIST)
  const dirs = [root]
  for (const platform of readdirSync(join(root, 'npm')).sort()) {
    const dir = join(root, 'npm', platform)
    const { main } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    if (existsSync(join(dir, main))) dirs.push(dir)
  }
  return dirs.map(npmPack)
}

function npmPack (dir) {
  // --ignore-scripts: `prepare` would build again and copy to ./ferrofetch.node.
  const res = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', DIST], {
    cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']
  })
  if (res.status !== 0) throw new Error(`npm pack in ${dir} exited with ${res.status}`)
  const [info] = JSON.parse(res.stdout)
  return { name: info.name, file: join(DIST, info.filename), size: info.size, unpackedSize: info.unpackedSize }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    for (const { name, file, size, unpackedSize } of pack()) {
      const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`
      console.log(`ferrofetch: ${name}: dist/${file.split('/').pop()} ${mb(size)} (unpacked ${mb(unpackedSize)})`)
    }
  } catch (err) {
    console.error(`ferrofetch: ${err.message}`)
    process.exit(1)
  }
}
