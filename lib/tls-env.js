'use strict'
// The TLS settings Node users already have in their environment, read when
// a Client is made, as Node's fetch honours them: NODE_EXTRA_CA_CERTS (a PEM
// file of extra trusted roots) and NODE_TLS_REJECT_UNAUTHORIZED=0 (no
// certificate verification, with Node's warning).

const fs = require('node:fs')

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g
// Node's own text (what its TLS layer prints), so users see the same line.
const INSECURE_WARNING = "Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes " +
  'TLS connections and HTTPS requests insecure by disabling certificate verification.'

let warned = false
// Node prints the same warning once when its own TLS first honours the
// variable; seen first, ours would be a second copy of that line.
if (process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
  const onWarning = (warning) => {
    if (warning?.message !== INSECURE_WARNING) return
    warned = true
    process.removeListener('warning', onWarning)
  }
  process.on('warning', onWarning)
}
let lastExtraCa = { path: null, text: null, pems: [] }

/**
 * The certificates of the NODE_EXTRA_CA_CERTS file, as PEM strings. Node
 * reports a file it cannot load at startup and goes on without it; so do
 * we, silently (Node has printed the warning), and a block that is not a
 * certificate is skipped rather than failing every Client.
 */
function extraCaCertificates (path) {
  if (path === undefined || path === '') return []
  let text
  try {
    text = fs.readFileSync(path, 'latin1')
  } catch {
    return []
  }
  if (lastExtraCa.path === path && lastExtraCa.text === text) return lastExtraCa.pems
  // node:crypto loads only when there is such a file (see integrity.js).
  const pems = (text.match(PEM_CERTIFICATE) ?? []).filter((pem) => {
    try {
      return new (require('node:crypto').X509Certificate)(pem) !== null
    } catch {
      return false
    }
  })
  lastExtraCa = { path, text, pems }
  return pems
}

/**
 * The native client's TLS options with the environment's applied: the
 * extra CA file's roots come first, `tls.ca` adds to them; `=0` turns
 * verification off unless `tls.dangerouslyAcceptInvalidCertificates` was
 * given (an explicit option wins, as Node's `rejectUnauthorized` does).
 * @param {{ ca?: string[], dangerouslyAcceptInvalidCertificates?: boolean }} tls  from the `tls` option
 */
function withEnvironmentTls (tls, env = process.env) {
  const out = { ...tls }
  const extra = extraCaCertificates(env.NODE_EXTRA_CA_CERTS)
  if (extra.length > 0) out.ca = [...extra, ...(tls.ca ?? [])]
  if (tls.dangerouslyAcceptInvalidCertificates === undefined && env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    out.dangerouslyAcceptInvalidCertificates = true
    // Node warns once per process, the first time the variable takes effect.
    if (!warned) {
      warned = true
      process.emitWarning(INSECURE_WARNING)
    }
  }
  return out
}

module.exports = { withEnvironmentTls }
