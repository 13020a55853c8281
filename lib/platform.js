'use strict'
// Which prebuilt addon fits this process, named as napi-rs names its
// per-platform packages (linux-x64-gnu, darwin-arm64, win32-x64-msvc ...).

const fs = require('node:fs')

/**
 * musl or glibc, detected as napi-rs's generated loader does: ldd is a
 * script naming its libc; failing that, Node's own report says which
 * glibc it runs on, or lists a musl loader among its shared objects.
 */
function isMusl () {
  try {
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl')
  } catch {}
  const report = process.report?.getReport?.()
  if (!report) return false
  if (report.header?.glibcVersionRuntime) return false
  return (report.sharedObjects ?? []).some((lib) => lib.includes('musl'))
}

/** napi-rs's platform name for this process, e.g. linux-x64-gnu. */
function platformName () {
  const { platform, arch } = process
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

module.exports = { isMusl, platformName }
