// Loopback servers for the tests: node:http with a route table, raw TCP for
// misbehaving peers, and a "black hole" whose accept queue is full so that
// connecting to it hangs. Every server closes itself in t.teardown.
import http from 'node:http'
import net from 'node:net'
import { spawn } from 'node:child_process'
import { once } from 'node:events'

/**
 * Starts an http server on 127.0.0.1 with `handler(req, res)`.
 * @returns {Promise<{ url: string, port: number, server: http.Server }>}
 */
export async function httpServer (t, handler) {
  const server = http.createServer(handler)
  const { port, sockets } = await listenOnLoopback(t, server)
  return { url: `http://127.0.0.1:${port}`, port, server, sockets }
}

/**
 * Listens on an ephemeral port of 127.0.0.1 and tracks the server's
 * sockets, so that teardown closes the server and destroys every
 * connection (keep-alive ones included). `extraTeardown` runs first.
 * @returns {Promise<{ port: number, sockets: Set<net.Socket> }>}
 */
export async function listenOnLoopback (t, server, extraTeardown = () => {}) {
  const sockets = new Set()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    extraTeardown()
    for (const s of sockets) s.destroy()
    server.close()
  })
  return { port: server.address().port, sockets }
}

/**
 * Starts a raw TCP server; `onConnection(socket)` writes whatever bytes the
 * test needs (e.g. a malformed response).
 */
export async function tcpServer (t, onConnection) {
  const server = net.createServer((socket) => {
    socket.on('error', () => {})
    onConnection(socket)
  })
  const { port, sockets } = await listenOnLoopback(t, server)
  return { url: `http://127.0.0.1:${port}`, port, server, sockets }
}

/**
 * A port on 127.0.0.1 where connecting hangs: a stopped process listens
 * with a backlog of 0 and fillers occupy its accept queue, so the kernel
 * drops further SYNs. Used for connect timeouts and aborts while connecting.
 */
export async function blackHole (t) {
  const child = spawn(process.execPath, ['-e', `
    const s = require('net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 0 }, () => {
      process.stdout.write(s.address().port + '\\n')
    })`], { stdio: ['ignore', 'pipe', 'inherit'] })
  const fillers = []
  t.teardown(() => {
    for (const s of fillers) s.destroy()
    child.kill('SIGKILL')
  })
  const [line] = await once(child.stdout, 'data')
  const port = Number(String(line).trim())
  child.kill('SIGSTOP')
  // Fill the queue until a connection stops completing. Linux queues
  // backlog + 1 connections; gVisor's netstack queues about 512. Bounded.
  for (let i = 0; i < 4096; i++) {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => {})
    fillers.push(socket)
    const connected = await Promise.race([
      once(socket, 'connect').then(() => true),
      new Promise((resolve) => setTimeout(resolve, 300, false))
    ])
    if (!connected) return { url: `http://127.0.0.1:${port}`, port }
  }
  throw new Error('could not fill the accept queue of the black hole')
}

/** Reads a whole request body as a Buffer. */
export async function readBody (req) {
  const chunks = []
  for await (const c of req) chunks.push(c)
  return Buffer.concat(chunks)
}

/** A port on 127.0.0.1 that nothing listens on: connecting is refused. */
export async function closedPort () {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  server.close()
  await once(server, 'close')
  return port
}

/** Resolves after ms milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
