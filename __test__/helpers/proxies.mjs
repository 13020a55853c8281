// Proxies on 127.0.0.1 for the proxy tests: an HTTP forward proxy (reached
// over plain TCP or over TLS) and a SOCKS5 proxy. Both only ever connect to
// 127.0.0.1; anything else is refused by the proxy itself, so a test can
// never reach the outside world through them. Every server closes itself
// in t.teardown (listenOnLoopback).
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { listenOnLoopback } from './servers.mjs'

/**
 * A forward proxy: absolute-form requests are forwarded with http.request,
 * CONNECT is tunnelled with a net socket. Anything but 127.0.0.1 is
 * answered by the proxy itself with 502 and `x-proxy: refused`. Every
 * request is recorded in `seen`. With `tls` ({ key, cert }) the proxy is
 * itself reached over TLS: an https:// proxy.
 */
export async function forwardProxy (t, { tls = null } = {}) {
  const seen = []
  const onRequest = (req, res) => {
    seen.push({ method: req.method, url: req.url, auth: req.headers['proxy-authorization'] })
    let target
    try {
      target = new URL(req.url)
    } catch {
      res.writeHead(400).end()
      return
    }
    if (target.hostname !== '127.0.0.1') {
      res.writeHead(502, { 'x-proxy': 'refused' }).end(`proxy refused ${target.host}`)
      return
    }
    const headers = { ...req.headers }
    delete headers['proxy-authorization']
    delete headers['proxy-connection']
    const upstream = http.request(target, { method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode, { ...up.headers, 'x-proxy': 'forwarded' })
      up.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  }
  const server = tls === null
    ? http.createServer(onRequest)
    : https.createServer({ key: tls.key, cert: tls.cert }, onRequest)
  server.on('connect', (req, socket, head) => {
    seen.push({ method: 'CONNECT', url: req.url, auth: req.headers['proxy-authorization'] })
    socket.on('error', () => {})
    const [host, port] = req.url.split(':')
    if (host !== '127.0.0.1') {
      socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n')
      return
    }
    const upstream = net.connect(Number(port), '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      splice(socket, upstream, head)
    })
    upstream.on('error', () => socket.destroy())
    socket.on('close', () => upstream.destroy())
  })
  const { port } = await listenOnLoopback(t, server)
  const scheme = tls === null ? 'http' : 'https'
  return { url: `${scheme}://127.0.0.1:${port}`, port, seen }
}

/**
 * Joins a tunnel's two sockets once `upstream` is connected: `early`, what
 * the client sent beyond its tunnel request, goes first.
 */
function splice (client, upstream, early) {
  upstream.write(early)
  upstream.pipe(client)
  client.pipe(upstream)
}

// RFC 1928's numbers, by field.
const VERSION = 0x05
const CMD_CONNECT = 0x01
const METHOD = { NONE: 0x00, USERPASS: 0x02, REFUSED: 0xff }
const ATYP = { IPV4: 0x01, DOMAIN: 0x03, IPV6: 0x04 }
const REP = { OK: 0x00, NOT_ALLOWED: 0x02, REFUSED: 0x05, COMMAND_UNSUPPORTED: 0x07, ATYP_UNSUPPORTED: 0x08 }

/** The loopback names a SOCKS request may give; all are served by 127.0.0.1. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])

/**
 * A SOCKS5 proxy (RFC 1928, CONNECT only) with username/password
 * authentication (RFC 1929) when `credentials` ({ user, pass }) is given,
 * and none otherwise. A CONNECT to 127.0.0.1, localhost or ::1 is served
 * by connecting to 127.0.0.1 (the proxy never connects anywhere else);
 * other destinations get "not allowed by ruleset".
 * `seen` records each connection: the methods offered, the credentials
 * sent, and the request's address type ('ipv4' | 'domain' | 'ipv6'),
 * host and port.
 */
export async function socks5Proxy (t, { credentials = null } = {}) {
  const seen = []
  const server = net.createServer((socket) => {
    socket.on('error', () => {})
    const record = {}
    seen.push(record)
    handshake(socket, credentials, record).catch(() => socket.destroy())
  })
  const { port } = await listenOnLoopback(t, server)
  return { port, seen }
}

async function handshake (socket, credentials, record) {
  const read = byteReader(socket)
  // Greeting: VER NMETHODS METHODS...
  const [version, count] = await read(2)
  if (version !== VERSION) throw new Error('not SOCKS5')
  record.methods = [...await read(count)]
  const method = credentials === null ? METHOD.NONE : METHOD.USERPASS
  if (!record.methods.includes(method)) {
    socket.end(Buffer.from([VERSION, METHOD.REFUSED]))
    return
  }
  socket.write(Buffer.from([VERSION, method]))
  if (method === METHOD.USERPASS) {
    // RFC 1929: VER(1) ULEN UNAME PLEN PASSWD; the reply's status 0 is success.
    const [, userLength] = await read(2)
    record.user = (await read(userLength)).toString('utf8')
    const [passLength] = await read(1)
    record.pass = (await read(passLength)).toString('utf8')
    const ok = record.user === credentials.user && record.pass === credentials.pass
    if (!ok) {
      socket.end(Buffer.from([0x01, 0x01]))
      return
    }
    socket.write(Buffer.from([0x01, 0x00]))
  }
  // Request: VER CMD RSV ATYP DST.ADDR DST.PORT
  const [, command, , atyp] = await read(4)
  if (atyp === ATYP.IPV4) {
    record.atyp = 'ipv4'
    record.host = [...await read(4)].join('.')
  } else if (atyp === ATYP.DOMAIN) {
    record.atyp = 'domain'
    const [length] = await read(1)
    record.host = (await read(length)).toString('latin1')
  } else if (atyp === ATYP.IPV6) {
    record.atyp = 'ipv6'
    record.host = ipv6Text(await read(16))
  } else {
    socket.end(reply(REP.ATYP_UNSUPPORTED))
    return
  }
  record.port = (await read(2)).readUInt16BE(0)
  if (command !== CMD_CONNECT) {
    socket.end(reply(REP.COMMAND_UNSUPPORTED))
    return
  }
  if (!LOOPBACK.has(record.host)) {
    socket.end(reply(REP.NOT_ALLOWED))
    return
  }
  let connected = false
  const upstream = net.connect(record.port, '127.0.0.1', () => {
    connected = true
    socket.write(reply(REP.OK, upstream.localPort))
    // Bytes the client sent after its request belong to the tunnel.
    splice(socket, upstream, read.rest())
  })
  upstream.on('error', () => {
    if (connected) socket.destroy()
    else socket.end(reply(REP.REFUSED))
  })
  socket.on('close', () => upstream.destroy())
}

/** A reply with BND.ADDR 127.0.0.1 and BND.PORT `port`. */
function reply (status, port = 0) {
  const out = Buffer.from([VERSION, status, 0x00, ATYP.IPV4, 127, 0, 0, 1, 0, 0])
  out.writeUInt16BE(port, 8)
  return out
}

/** 16 bytes as the canonical (compressed) IPv6 text, e.g. '::1'. */
function ipv6Text (bytes) {
  const groups = []
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16))
  // The URL parser compresses the longest run of zero groups.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1)
}

/**
 * `read(n)` resolves with exactly the next n bytes of `socket` (chunks may
 * split or join messages); `read.rest()` takes what is buffered beyond
 * and hands the socket over (no more reading here). Rejects if the socket
 * closes first.
 */
function byteReader (socket) {
  let buffered = Buffer.alloc(0)
  let want = null
  const deliver = () => {
    if (want === null || buffered.length < want.n) return
    const { n, resolve } = want
    want = null
    const out = buffered.subarray(0, n)
    buffered = buffered.subarray(n)
    resolve(out)
  }
  const onData = (chunk) => {
    buffered = Buffer.concat([buffered, chunk])
    deliver()
  }
  const onClose = () => want?.reject(new Error('closed during the SOCKS handshake'))
  socket.on('data', onData)
  socket.on('close', onClose)
  const read = (n) => new Promise((resolve, reject) => {
    want = { n, resolve, reject }
    deliver()
  })
  read.rest = () => {
    socket.pause()
    socket.off('data', onData)
    socket.off('close', onClose)
    return buffered
  }
  return read
}
