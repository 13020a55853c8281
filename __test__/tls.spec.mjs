// TLS through rustls: extra CA roots, accepting invalid certificates on
// request, client certificates, and the option checks made at new Client.
import test from 'ava'
import https from 'node:https'
import { once } from 'node:events'
import { fetch, Client } from '../index.mjs'
import { certs } from './helpers/certs.mjs'
import { settle } from './helpers/differential.mjs'

/** An https server on 127.0.0.1 that answers with `handler` (default: "ok"). */
async function httpsServer (t, options, handler = (req, res) => res.end('ok')) {
  const server = https.createServer(options, handler)
  const sockets = new Set()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  // Handshakes our client aborts are expected here; keep them quiet.
  server.on('tlsClientError', () => {})
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  return `https://127.0.0.1:${server.address().port}`
}

const caSigned = () => ({ key: certs().server.key, cert: certs().server.cert })

test('a certificate from an unknown CA fails with ERR_FF_TLS', async (t) => {
  const url = await httpsServer(t, caSigned())
  const err = await settle(fetch(url))
  t.true(err instanceof TypeError)
  t.is(err.message, 'fetch failed')
  t.is(err.cause.code, 'ERR_FF_TLS')
})

test('tls.ca makes a certificate signed by that CA trusted', async (t) => {
  const url = await httpsServer(t, caSigned())
  const client = new Client({ tls: { ca: certs().ca } })
  const res = await client.fetch(url)
  t.is(res.status, 200)
  t.is(await res.text(), 'ok')
})

test('tls.ca also takes a Buffer and a list of PEMs', async (t) => {
  const url = await httpsServer(t, caSigned())
  const client = new Client({ tls: { ca: [certs().selfSigned.cert, Buffer.from(certs().ca)] } })
  t.is(await (await client.fetch(url)).text(), 'ok')
})

test('a self-signed certificate fails with ERR_FF_TLS by default', async (t) => {
  const url = await httpsServer(t, { key: certs().selfSigned.key, cert: certs().selfSigned.cert })
  const err = await settle(new Client().fetch(url))
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ERR_FF_TLS')
})

test('dangerouslyAcceptInvalidCertificates accepts a self-signed certificate', async (t) => {
  const url = await httpsServer(t, { key: certs().selfSigned.key, cert: certs().selfSigned.cert })
  const client = new Client({ tls: { dangerouslyAcceptInvalidCertificates: true } })
  t.is(await (await client.fetch(url)).text(), 'ok')
})

test('a certificate from the trusted CA but for another name fails with ERR_FF_TLS', async (t) => {
  const url = await httpsServer(t, { key: certs().otherName.key, cert: certs().otherName.cert })
  const client = new Client({ tls: { ca: certs().ca } })
  const err = await settle(client.fetch(url))
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ERR_FF_TLS')
})

/** A server that requires a client certificate from the test CA. */
async function mutualTlsServer (t) {
  const seen = []
  const url = await httpsServer(t, { ...caSigned(), ca: certs().ca, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      seen.push(req.socket.getPeerCertificate().subject?.CN)
      res.end('hello client')
    })
  return { url, seen }
}

test('a server requiring a client certificate rejects a client without one', async (t) => {
  const { url, seen } = await mutualTlsServer(t)
  const client = new Client({ tls: { ca: certs().ca } })
  const err = await settle(client.fetch(url).then((res) => res.text()))
  t.true(err instanceof TypeError)
  t.is(err.cause.code, 'ERR_FF_TLS')
  t.deepEqual(seen, [])
})

test('tls.cert and tls.key authenticate the client; the server sees its CN', async (t) => {
  const { url, seen } = await mutualTlsServer(t)
  const { cert, key, cn } = certs().client
  const client = new Client({ tls: { ca: certs().ca, cert, key } })
  const res = await client.fetch(url)
  t.is(await res.text(), 'hello client')
  t.deepEqual(seen, [cn])
})

test('invalid PEM in tls.ca throws TypeError at new Client', (t) => {
  t.throws(() => new Client({ tls: { ca: 'not a certificate' } }), { instanceOf: TypeError })
  const truncated = certs().ca.slice(0, 200)
  t.throws(() => new Client({ tls: { ca: truncated } }), { instanceOf: TypeError })
})

test('tls.cert without tls.key (and the reverse) throws TypeError', (t) => {
  t.throws(() => new Client({ tls: { cert: certs().client.cert } }), { instanceOf: TypeError, message: /cert/ })
  t.throws(() => new Client({ tls: { key: certs().client.key } }), { instanceOf: TypeError, message: /key/ })
})

test('a tls.key that does not parse throws TypeError at new Client', (t) => {
  t.throws(() => new Client({ tls: { cert: certs().client.cert, key: 'garbage' } }), { instanceOf: TypeError })
})

test('tls.dangerouslyAcceptInvalidCertificates must be a boolean', (t) => {
  t.throws(() => new Client({ tls: { dangerouslyAcceptInvalidCertificates: 'yes' } }),
    { instanceOf: TypeError, message: /dangerouslyAcceptInvalidCertificates/ })
})
