'use strict'
// Loads the addon built by scripts/build.mjs. (The default client lives in
// lib/client.js.)

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

module.exports = { binding }
