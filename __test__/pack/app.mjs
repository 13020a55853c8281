// A fresh app outside the repo that installs the packed tarballs as a user
// would, and runs node, npm and tsc there with no cargo or rustc on PATH, so
// nothing can quietly build the addon from source.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const DIST = join(ROOT, 'dist')
export const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

/** npm's own CLI script, run with this node rather than found on PATH. */
function npmCli () {
  if (process.env.npm_execpath?.endsWith('npm-cli.js')) return process.env.npm_execpath
  const found = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim()
  const cli = join(dirname(realpathSync(found)), 'npm-cli.js')
  if (!existsSync(cli)) throw new Error(`npm-cli.js not found next to ${found}`)
  return cli
}

/** PATH without any directory that has cargo or rustc. */
function pathWithoutRust () {
  const has = (dir, name) => existsSync(join(dir, name)) || existsSync(join(dir, `${name}.exe`))
  return [dirname(process.execPath), ...(process.env.PATH ?? '').split(delimiter)]
    .filter((dir) => dir && !has(dir, 'cargo') && !has(dir, 'rustc'))
    .join(delimiter)
}

/** The environment apps run in: no Rust, no addon override, no npm config from the repo's scripts. */
export function appEnv () {
  const env = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('npm_') || name.startsWith('CARGO') || name === 'FERROFETCH_NATIVE_PATH') continue
    env[name] = value
  }
  env.PATH = pathWithoutRust()
  return env
}

/** The tarballs `npm run pack` wrote: { main, platform } paths. */
export function tarballs (platform) {
  const files = existsSync(DIST) ? readdirSync(DIST) : []
  const main = files.find((f) => /^ferrofetch-\d.*\.tgz$/.test(f))
  const plat = files.find((f) => f.startsWith(`ferrofetch-${platform}-`) && f.endsWith('.tgz'))
  if (!main || !plat) throw new Error(`dist/ lacks the tarballs (has ${files.join(', ') || 'nothing'}): run \`npm run pack\``)
  return { main: join(DIST, main), platform: join(DIST, plat) }
}

/** Runs a command in `cwd` with the app environment; returns { status, stdout, stderr }. */
export function run (cwd, cmd, args, { env = {}, timeout = 120_000 } = {}) {
  const res = spawnSync(cmd, args, { cwd, env: { ...appEnv(), ...env }, encoding: 'utf8', timeout })
  if (res.error) throw res.error
  return res
}

/** Runs npm in the app. */
export function npm (cwd, args) {
  return run(cwd, process.execPath, [npmCli(), ...args], { timeout: 300_000 })
}

/**
 * Makes an app in a new temp dir and installs `specs` (tarball paths) in
 * one `npm install`, so the platform tarball satisfies ferrofetch's
 * optionalDependency. --offline: nothing comes from a registry (the other
 * platforms' packages, which may not be published, are optional and are
 * skipped; ferrofetch has no dependencies). Extra npm flags in `flags`.
 */
export function makeApp (specs, flags = []) {
  const dir = mkdtempSync(join(tmpdir(), 'ferrofetch-app-'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  const res = npm(dir, ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', ...flags, ...specs])
  if (res.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`npm install failed (${res.status}):\n${res.stdout}\n${res.stderr}`)
  }
  return { dir, install: res, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A CommonJS module the apps load: serves one response on 127.0.0.1 and fetches it with the given fetch. */
export const LOOPBACK_CJS = `'use strict'
const http = require('node:http')
async function loopbackFetch (fetch) {
  const server = http.createServer((req, res) => res.end('hello from ' + req.url))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const res = await fetch('http://127.0.0.1:' + server.address().port + '/packaged')
    return { status: res.status, text: await res.text() }
  } finally {
    server.close()
  }
}
module.exports = { loopbackFetch }
`
