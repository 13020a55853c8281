// What `npm run pack` produced, checked without installing it: the main
// tarball holds exactly the published files (no addon, tests, target/ or
// fixtures), each platform package is named, versioned and constrained to
// its platform as the main package's optionalDependencies expect, and the
// linux-x64-gnu addon loads on glibc 2.28 and older.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { platformOf } from '../../scripts/build.mjs'
import { GLIBC_FLOOR, compareVersions, glibcFloor } from '../../scripts/glibc-floor.mjs'
import { createRequire } from 'node:module'
import { ROOT, tarballs } from './app.mjs'

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'))
const main = readJson(join(ROOT, 'package.json'))
const platforms = readdirSync(join(ROOT, 'npm')).sort()
const { platformName } = createRequire(import.meta.url)(join(ROOT, 'lib', 'platform.js'))
const PLATFORM = platformName()
const notLinuxX64 = PLATFORM !== 'linux-x64-gnu' && `the glibc floor is checked on linux-x64-gnu; this is ${PLATFORM}`
const LINUX_X64_ADDON = join(ROOT, 'npm', 'linux-x64-gnu', 'ferrofetch.linux-x64-gnu.node')

function tarList (tgz) {
  const res = spawnSync('tar', ['-tzf', tgz], { encoding: 'utf8' })
  assert.equal(res.status, 0, res.stderr)
  return res.stdout.trim().split('\n').map((entry) => entry.replace(/^package\//, '')).sort()
}

test('the main tarball holds exactly the entry points, lib/, the CLI, the docs and no addon', () => {
  const files = tarList(tarballs(PLATFORM).main)
  const lib = readdirSync(join(ROOT, 'lib')).map((f) => `lib/${f}`)
  const cli = readdirSync(join(ROOT, 'cli')).map((f) => `cli/${f}`)
  const expected = ['CHANGELOG.md', 'LICENSE', 'README.md', 'index.d.ts', 'index.js', 'index.mjs', 'package.json', ...lib, ...cli].sort()
  assert.deepEqual(files, expected)
})

test(`the ${PLATFORM} tarball holds its addon, README and package.json`, () => {
  assert.deepEqual(tarList(tarballs(PLATFORM).platform),
    ['README.md', `ferrofetch.${PLATFORM}.node`, 'package.json'])
})

function packedManifest (tgz) {
  const res = spawnSync('tar', ['-xzOf', tgz, 'package/package.json'], { encoding: 'utf8' })
  assert.equal(res.status, 0, res.stderr)
  return JSON.parse(res.stdout)
}

test('the packed package.json lists every platform package as an optionalDependency at its version', () => {
  const packed = packedManifest(tarballs(PLATFORM).main)
  assert.equal(packed.version, main.version)
  // `npx ferrofetch` after an install: the bin survives packing.
  assert.deepEqual(packed.bin, main.bin)
  assert.deepEqual(packed.optionalDependencies,
    Object.fromEntries(platforms.map((p) => [`@ferrofetch/${p}`, main.version])))
  // The repo's own has none, so that npm ci works before they are published.
  assert.equal(main.optionalDependencies, undefined)
  // No lifecycle script for npm to warn users about.
  assert.equal(packed.scripts, undefined)
})

test('every napi target has a platform package at the main version', () => {
  assert.deepEqual(main.napi.targets.map((triple) => platformOf(triple)).sort(), platforms)
  for (const platform of platforms) {
    const pkg = readJson(join(ROOT, 'npm', platform, 'package.json'))
    assert.equal(pkg.name, `@ferrofetch/${platform}`)
    assert.equal(pkg.version, main.version, pkg.name)
    assert.equal(pkg.main, `ferrofetch.${platform}.node`)
    assert.deepEqual(pkg.files, [pkg.main])
    assert.equal(pkg.license, main.license)
    assert.deepEqual(pkg.engines, main.engines)
    assert.equal(pkg.publishConfig?.access, 'public')
  }
})

test('each platform package is constrained to the os, cpu and libc its name says', () => {
  const libcOf = { gnu: 'glibc', musl: 'musl' }
  for (const platform of platforms) {
    const [os, cpu, abi] = platform.split('-')
    const pkg = readJson(join(ROOT, 'npm', platform, 'package.json'))
    assert.deepEqual(pkg.os, [os], platform)
    assert.deepEqual(pkg.cpu, [cpu], platform)
    assert.deepEqual(pkg.libc, os === 'linux' ? [libcOf[abi]] : undefined, platform)
  }
})

test(`the linux-x64-gnu addon needs glibc ${GLIBC_FLOOR} or older`, { skip: notLinuxX64 }, (t) => {
  const floor = glibcFloor(LINUX_X64_ADDON)
  t.diagnostic(`linux-x64-gnu addon needs glibc ${floor}`)
  assert.ok(floor, 'the addon requires no GLIBC version at all: not a glibc build?')
  assert.ok(compareVersions(floor, GLIBC_FLOOR) <= 0, `needs glibc ${floor}, above the floor ${GLIBC_FLOOR}`)
})

test('the glibc floor read from .gnu.version_r is what objdump -T reports', { skip: notLinuxX64 || (!existsSync('/usr/bin/objdump') && 'no objdump') }, () => {
  for (const file of [LINUX_X64_ADDON, join(ROOT, 'ferrofetch.node')].filter(existsSync)) {
    const res = spawnSync('/usr/bin/objdump', ['-T', file], { encoding: 'utf8', maxBuffer: 64 << 20 })
    const versions = [...new Set(res.stdout.match(/GLIBC_[0-9.]+/g))].map((v) => v.slice(6)).sort(compareVersions)
    assert.equal(glibcFloor(file), versions.at(-1), file)
  }
})

test('compareVersions orders glibc versions numerically', () => {
  assert.deepEqual(['2.28', '2.3.4', '2.17', '2.9', '2.2.5', '2.34'].sort(compareVersions),
    ['2.2.5', '2.3.4', '2.9', '2.17', '2.28', '2.34'])
})
