// Test certificates made with the openssl CLI: a CA, a server certificate
// for 127.0.0.1 and localhost signed by it, one signed by it for another
// name only, a client certificate signed by it, and a self-signed server
// certificate. Keys are P-256, PKCS#8 PEM.
// Made once per test file (each ava file is its own process) and kept in
// memory: the temporary directory is removed as soon as the PEMs are read.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const OPENSSL = '/usr/bin/openssl'

let cached = null

/**
 * @returns {{
 *   ca: string,
 *   server: { cert: string, key: string },
 *   otherName: { cert: string, key: string },
 *   client: { cert: string, key: string, cn: string },
 *   selfSigned: { cert: string, key: string }
 * }}
 */
export function certs () {
  if (cached === null) cached = generate()
  return cached
}

function generate () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrofetch-certs-'))
  const file = (name) => path.join(dir, name)
  const openssl = (...args) => execFileSync(OPENSSL, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  const newKey = (name) => {
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(name))
  }
  const extensions = (name, lines) => fs.writeFileSync(file(name), lines.join('\n') + '\n')
  // A leaf: CSR from the key, then signed by `issuer` (or by itself).
  const leaf = (name, subject, ext, issuer) => {
    newKey(`${name}.key`)
    openssl('req', '-new', '-key', file(`${name}.key`), '-subj', subject, '-out', file(`${name}.csr`))
    const signer = issuer === null
      ? ['-signkey', file(`${name}.key`)]
      : ['-CA', file(`${issuer}.pem`), '-CAkey', file(`${issuer}.key`), '-set_serial', serial()]
    openssl('x509', '-req', '-in', file(`${name}.csr`), ...signer, '-days', '2',
      '-extfile', file(ext), '-out', file(`${name}.pem`))
  }
  try {
    extensions('ca.ext', [
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash'
    ])
    extensions('server.ext', [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = IP:127.0.0.1, DNS:localhost'
    ])
    extensions('other.ext', [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = DNS:ferrofetch.invalid'
    ])
    extensions('client.ext', [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = clientAuth'
    ])
    newKey('ca.key')
    openssl('req', '-new', '-key', file('ca.key'), '-subj', '/CN=ferrofetch test CA', '-out', file('ca.csr'))
    openssl('x509', '-req', '-in', file('ca.csr'), '-signkey', file('ca.key'), '-days', '2',
      '-extfile', file('ca.ext'), '-out', file('ca.pem'))
    leaf('server', '/CN=localhost', 'server.ext', 'ca')
    leaf('other', '/CN=ferrofetch.invalid', 'other.ext', 'ca')
    leaf('client', '/CN=ferrofetch test client', 'client.ext', 'ca')
    leaf('self', '/CN=localhost', 'server.ext', null)
    const read = (name) => fs.readFileSync(file(name), 'utf8')
    return {
      ca: read('ca.pem'),
      server: { cert: read('server.pem'), key: read('server.key') },
      otherName: { cert: read('other.pem'), key: read('other.key') },
      client: { cert: read('client.pem'), key: read('client.key'), cn: 'ferrofetch test client' },
      selfSigned: { cert: read('self.pem'), key: read('self.key') }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** A random positive serial number in hex, as `x509 -set_serial` takes it. */
function serial () {
  const bytes = new Uint8Array(8)
  globalThis.crypto.getRandomValues(bytes)
  bytes[0] &= 0x7f
  return '0x' + Buffer.from(bytes).toString('hex')
}
