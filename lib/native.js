'use strict'
// Finds and loads the native addon. In order: an explicit
// FERROFETCH_NATIVE_PATH, a local build (./ferrofetch.node next to the
// package, written by `npm run build`), then the prebuilt per-platform
// package (@ferrofetch/<platform>, an optionalDependency). The default
// client lives in lib/client.js.

const fs = require('node:fs')
const path = require('node:path')
const { isMusl, platformName } = require('./platform')
const { codes } = require('./codes')

const LOCAL_BUILD = path.join(__dirname, '..', 'ferrofetch.node')

/** The `require` targets to try, each with what it is called in errors. */
function candidates (platform) {
  const list = []
  const explicit = process.env.FERROFETCH_NATIVE_PATH
  if (explicit) return [{ what: `FERROFETCH_NATIVE_PATH (${explicit})`, id: path.resolve(explicit) }]
  if (fs.existsSync(LOCAL_BUILD)) list.push({ what: `the local build ${LOCAL_BUILD}`, id: LOCAL_BUILD })
  list.push({ what: `the package @ferrofetch/${platform}`, id: `@ferrofetch/${platform}` })
  return list
}

function load () {
  const platform = platformName()
  const failures = []
  for (const { what, id } of candidates(platform)) {
    try {
      return require(id)
    } catch (err) {
      failures.push({ what, err })
    }
  }
  const tried = failures.map(({ what, err }) => `  - ${what}: ${err.message.split('\n')[0]}`).join('\n')
  const err = new Error(
    `ferrofetch: no native addon loaded for ${platform} ` +
    `(platform ${process.platform}, arch ${process.arch}` +
    `${process.platform === 'linux' ? `, libc ${isMusl() ? 'musl' : 'glibc'}` : ''}).\n` +
    `It expected the package @ferrofetch/${platform}, which npm installs with ferrofetch ` +
    'as an optional dependency. Tried:\n' + tried + '\n' +
    'Fix: reinstall with optional dependencies enabled (npm install ferrofetch, without ' +
    '--omit=optional or --no-optional; remove node_modules and the lockfile if the lockfile ' +
    'was made on another platform), or build from source with `npm run build` (needs Rust).',
    { cause: failures.length === 1 ? failures[0].err : new AggregateError(failures.map((f) => f.err)) }
  )
  err.code = codes.NATIVE_NOT_FOUND
  throw err
}

const binding = load()

module.exports = { binding }
