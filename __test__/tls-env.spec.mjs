// TLS settings from the environment, as Node's fetch honours them:
// NODE_EXTRA_CA_CERTS adds trusted roots, NODE_TLS_REJECT_UNAUTHORIZED=0
// turns verification off with Node's warning, printed once. Each test runs
// a child process with the variable set and compares ferrofetch with Node's
// own fetch in that same child.
import test from 'ava'
import https from 'node:https'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFile } from 'node:child_process'
import { certs } from './helpers/certs.mjs'
import { listenOnLoopback } from './helpers/servers.mjs'

const INDEX = new URL('../index.mjs', import.meta.url).href
const NODE_WARNING = "Warning: Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes " +
  'TLS connections and HTTPS requests insecure by disabling certificate verification.'

// The child runs `steps` in order and prints one outcome per step that
// fetches: 'ok <body>' or '<error class> <cause code>'.
//   ['env', name, value]       set process.env[name]
//   ['client', tls]            make a Client with this `tls` option
//   ['ours' | 'node' | 'client-fetch', url]  fetch through ferrofetch's
//                              default client, Node's global fetch, or the last Client
const CHILD = `
import { fetch, Client } from ${JSON.stringify(INDEX)}
const outcome = (p) => p.then(async (r) => 'ok ' + await r.text(), (e) => e.constructor.name + ' ' + (e.cause?.code ?? e.message))
const results = []
let client = null
for (const [op, a, b] of JSON.parse(process.env.TEST_STEPS)) {
  if (op === 'env') process.env[a] = b
  else if (op === 'client') {
    try {
      client = new Client({ tls: a })
    } catch (e) {
      client = 'new Client: ' + e.constructor.name + ' ' + e.message
    }
  } else if (op === 'ours') results.push(await outcome(fetch(a)))
  else if (op === 'node') results.push(await outcome(globalThis.fetch(a)))
  else if (op === 'client-fetch') results.push(typeof client === 'string' ? client : await outcome(client.fetch(a)))
}
process.stdout.write(JSON.stringify(results), () => process.exit(0))
`

/** Runs the child with `env` added; resolves { results, stderr }. */
function runChild (env, steps) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '', NODE_TLS_REJECT_UNAUTHORIZED: '', ...env, TEST_STEPS: JSON.stringify(steps) },
      timeout: 30000
    }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`child failed: ${err.message}\n${stderr}`))
      resolve({ results: JSON.parse(stdout), stderr })
    })
  })
}

/** The warning lines of a child's stderr, without the "(node:PID) " prefix. */
const warnings = (stderr) => stderr.split('\n').filter((line) => line.includes('NODE_TLS_REJECT_UNAUTHORIZED'))
  .map((line) => line.replace(/^\(node:\d+\) /, ''))

async function httpsServer (t, { key, cert }) {
  const server = https.createServer({ key, cert }, (req, res) => res.end('ok'))
  server.on('tlsClientError', () => {})
  const { port } = await listenOnLoopback(t, server)
  return `https://127.0.0.1:${port}/`
}

function pemFile (t, text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrofetch-tls-env-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'extra.pem')
  fs.writeFileSync(file, text)
  return file
}

const caSigned = (t) => httpsServer(t, certs().server)
const selfSigned = (t) => httpsServer(t, certs().selfSigned)

test('NODE_EXTRA_CA_CERTS makes a server signed by that CA trusted, as for Node fetch', async (t) => {
  const url = await caSigned(t)
  const { results } = await runChild({ NODE_EXTRA_CA_CERTS: pemFile(t, certs().ca) },
    [['node', url], ['ours', url], ['client', undefined], ['client-fetch', url]])
  t.deepEqual(results, ['ok ok', 'ok ok', 'ok ok'])
})

test('without NODE_EXTRA_CA_CERTS the same server is refused by both', async (t) => {
  const url = await caSigned(t)
  const { results } = await runChild({}, [['node', url], ['ours', url]])
  t.regex(results[0], /^TypeError /)
  t.is(results[1], 'TypeError ERR_FF_TLS')
})

test('tls.ca adds to the roots of NODE_EXTRA_CA_CERTS', async (t) => {
  const [signed, self] = [await caSigned(t), await selfSigned(t)]
  const { results } = await runChild({ NODE_EXTRA_CA_CERTS: pemFile(t, certs().ca) },
    [['client', { ca: certs().selfSigned.cert }], ['client-fetch', signed], ['client-fetch', self], ['ours', self]])
  t.deepEqual(results, ['ok ok', 'ok ok', 'TypeError ERR_FF_TLS'])
})

test('a NODE_EXTRA_CA_CERTS file that cannot be read is ignored, as Node ignores it', async (t) => {
  const url = await caSigned(t)
  const { results } = await runChild({ NODE_EXTRA_CA_CERTS: path.join(os.tmpdir(), 'ferrofetch-no-such-file.pem') },
    [['node', url], ['ours', url], ['client', undefined], ['client-fetch', url]])
  t.regex(results[0], /^TypeError /)
  t.deepEqual(results.slice(1), ['TypeError ERR_FF_TLS', 'TypeError ERR_FF_TLS'])
})

test('NODE_EXTRA_CA_CERTS with text around and between certificates still adds them', async (t) => {
  const url = await caSigned(t)
  const file = pemFile(t, `# corporate roots\n${certs().selfSigned.cert}\nnot a certificate\n${certs().ca}\n`)
  const { results } = await runChild({ NODE_EXTRA_CA_CERTS: file }, [['node', url], ['ours', url]])
  t.deepEqual(results, ['ok ok', 'ok ok'])
})

test('NODE_TLS_REJECT_UNAUTHORIZED=0 accepts a self-signed certificate, as Node fetch does', async (t) => {
  const url = await selfSigned(t)
  const { results } = await runChild({ NODE_TLS_REJECT_UNAUTHORIZED: '0' },
    [['node', url], ['ours', url], ['client', {}], ['client-fetch', url]])
  t.deepEqual(results, ['ok ok', 'ok ok', 'ok ok'])
})

test("NODE_TLS_REJECT_UNAUTHORIZED=0 prints Node's warning once, word for word", async (t) => {
  const url = await selfSigned(t)
  const env = { NODE_TLS_REJECT_UNAUTHORIZED: '0' }
  const node = await runChild(env, [['node', url], ['node', url]])
  t.deepEqual(warnings(node.stderr), [NODE_WARNING])
  const ours = await runChild(env, [['ours', url], ['client', {}], ['client-fetch', url], ['client', {}], ['client-fetch', url]])
  t.deepEqual(ours.results, ['ok ok', 'ok ok', 'ok ok'])
  t.deepEqual(warnings(ours.stderr), warnings(node.stderr))
})

test("NODE_TLS_REJECT_UNAUTHORIZED=0: after Node fetch's warning ferrofetch prints none of its own", async (t) => {
  const url = await selfSigned(t)
  const { results, stderr } = await runChild({ NODE_TLS_REJECT_UNAUTHORIZED: '0' }, [['node', url], ['ours', url]])
  t.deepEqual(results, ['ok ok', 'ok ok'])
  t.deepEqual(warnings(stderr), [NODE_WARNING])
})

test('NODE_TLS_REJECT_UNAUTHORIZED other than 0 keeps verification on, as in Node', async (t) => {
  const url = await selfSigned(t)
  for (const value of ['1', 'false', 'no', ' 0']) {
    const { results, stderr } = await runChild({ NODE_TLS_REJECT_UNAUTHORIZED: value }, [['node', url], ['ours', url]])
    t.regex(results[0], /^TypeError /, value)
    t.is(results[1], 'TypeError ERR_FF_TLS', value)
    t.deepEqual(warnings(stderr), [], value)
  }
})

test('tls.dangerouslyAcceptInvalidCertificates: false wins over NODE_TLS_REJECT_UNAUTHORIZED=0', async (t) => {
  const url = await selfSigned(t)
  const { results, stderr } = await runChild({ NODE_TLS_REJECT_UNAUTHORIZED: '0' },
    [['client', { dangerouslyAcceptInvalidCertificates: false }], ['client-fetch', url]])
  t.deepEqual(results, ['TypeError ERR_FF_TLS'])
  t.deepEqual(warnings(stderr), [])
})

test('the environment is read when a Client is made', async (t) => {
  const [signed, self] = [await caSigned(t), await selfSigned(t)]
  const { results } = await runChild({}, [
    ['client', undefined], ['env', 'NODE_EXTRA_CA_CERTS', pemFile(t, certs().ca)], ['client-fetch', signed],
    ['client', undefined], ['client-fetch', signed],
    ['env', 'NODE_TLS_REJECT_UNAUTHORIZED', '0'], ['client-fetch', self],
    ['client', undefined], ['client-fetch', self]
  ])
  t.deepEqual(results, ['TypeError ERR_FF_TLS', 'ok ok', 'TypeError ERR_FF_TLS', 'ok ok'])
})
