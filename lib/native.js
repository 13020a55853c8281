'use strict'
// Loads the addon built by scripts/build.mjs, and holds the default client
// that serves the top-level functions.

const path = require('node:path')

let binding
try {
  binding = require(path.join(__dirname, '..', 'ferrofetch.node'))
} catch (err) {
  throw new Error(
    'ferrofetch: the native addon is missing or failed to load; run `npm install` ' +
    `(which builds it with cargo) or \`npm run build\`. Cause: ${err.message}`,
    { cause: err }
  )
}

let defaultClient = null

/** The shared native client (one keep-alive pool for all top-level calls). */
function getDefaultNativeClient () {
  if (defaultClient === null) defaultClient = new binding.NativeClient()
  return defaultClient
}

module.exports = { binding, getDefaultNativeClient }
