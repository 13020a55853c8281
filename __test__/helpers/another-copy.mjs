// A second loaded copy of ferrofetch's JS layer, as a program gets when two
// dependencies each bring their own ferrofetch. The native addon stays
// shared: Node loads a .node file once per process.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** Loads ../index.js afresh and returns its exports (a copy with its own classes). */
export function loadAnotherCopy () {
  const entry = require.resolve('../../index.js')
  const saved = { ...require.cache }
  for (const key of Object.keys(require.cache)) if (!key.endsWith('.node')) delete require.cache[key]
  try {
    const copy = require(entry)
    // Some exports load on first access: take them all while this copy's
    // modules are the ones in the cache.
    for (const name of Object.keys(copy)) copy[name] // eslint-disable-line no-unused-expressions
    return copy
  } finally {
    Object.assign(require.cache, saved)
  }
}
