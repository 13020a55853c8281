// A raw TCP server that records each HTTP/1.1 request head as the bytes
// arrived, so tests can compare header lines (their order and case) between
// Node's fetch and ferrofetch. Bodies are read (Content-Length or chunked)
// before `answer` is asked for the response.
import { tcpServer } from './servers.mjs'

/**
 * Splits a request head into its request line and [name, value] lines, as
 * sent (no case folding).
 */
export function parseHead (head) {
  const [requestLine, ...lines] = head.split('\r\n')
  return {
    requestLine,
    headers: lines.map((line) => {
      const colon = line.indexOf(':')
      return [line.slice(0, colon), line.slice(colon + 1).trim()]
    })
  }
}

function bodyEnd (buffer, start, headers) {
  const length = headers.find(([name]) => name.toLowerCase() === 'content-length')
  if (length !== undefined) {
    const end = start + Number(length[1])
    return buffer.length >= end ? end : -1
  }
  const te = headers.find(([name]) => name.toLowerCase() === 'transfer-encoding')
  if (te === undefined) return start
  const last = buffer.indexOf('\r\n0\r\n\r\n', start - 2)
  return last === -1 ? -1 : last + 7
}

/**
 * Starts the server. `answer({ head, headers, requestLine, body, connection,
 * index })` returns the raw response to write (`connection` counts
 * connections from 0; `index` requests on that connection). Every request
 * is pushed to the returned `requests`.
 */
export async function rawRequestServer (t, answer) {
  const requests = []
  let connections = 0
  const server = await tcpServer(t, (socket) => {
    const connection = connections++
    let index = 0
    let buffer = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk])
      // Bounded: at most one request per pass over the buffer's bytes.
      for (let guard = 0; guard < 100; guard++) {
        const headEnd = buffer.indexOf('\r\n\r\n')
        if (headEnd === -1) return
        const head = buffer.subarray(0, headEnd).toString('latin1')
        const parsed = parseHead(head)
        const end = bodyEnd(buffer, headEnd + 4, parsed.headers)
        if (end === -1) return
        const request = { head, ...parsed, body: buffer.subarray(headEnd + 4, end).toString('latin1'), connection, index: index++ }
        buffer = buffer.subarray(end)
        requests.push(request)
        socket.write(answer(request))
      }
    })
  })
  return { ...server, requests, connections: () => connections }
}

/** A response with `body`; the connection stays open unless `close`. */
export function response (status, body = '', extra = '') {
  return `HTTP/1.1 ${status} X\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`
}
