// --sse: events printed as they are parsed, --ndjson for jq (checked line by
// line with JSON.parse, and against eventsource-parser reading the same
// bytes), the LLM-style POST, --reconnect with Last-Event-ID, and an HTTP
// error on an event stream.
import test from 'ava'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createParser } from 'eventsource-parser'
import { httpServer, readBody } from './helpers/servers.mjs'
import { runCli } from './helpers/cli.mjs'

// An LLM-style stream: tokens as JSON, an id and a retry, a named event,
// multi-line data, a comment, CRLF line ends, and the closing [DONE].
const LLM_STREAM = [
  ': keep-alive comment\n\n',
  'id: 1\ndata: {"token":"Hel"}\n\n',
  'id: 2\r\ndata: {"token":"lo"}\r\n\r\n',
  'retry: 2500\ndata: {"token":" world"}\n\n',
  'event: usage\ndata: {"prompt":3,\ndata: "completion":3}\n\n',
  'data: [DONE]\n\n'
]

/** Events as eventsource-parser reads the same bytes, in the CLI's {event, data, id, retry?} shape. */
function referenceEvents (chunks) {
  const out = []
  let id = ''
  let retry
  const parser = createParser({
    onRetry: (ms) => { retry = ms },
    onEvent: (ev) => {
      if (ev.id !== undefined) id = ev.id
      const line = { event: ev.event ?? 'message', data: ev.data, id }
      if (retry !== undefined) line.retry = retry
      retry = undefined
      out.push(line)
    }
  })
  for (const chunk of chunks) parser.feed(chunk)
  return out
}

async function llmServer (t) {
  const seen = []
  const server = await httpServer(t, async (req, res) => {
    seen.push({ method: req.method, headers: req.headers, body: (await readBody(req)).toString() })
    if (req.headers.authorization !== 'Bearer x') return res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad key"}')
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    for (const piece of LLM_STREAM) res.write(piece)
    res.end()
  })
  return { ...server, seen }
}

test('the LLM-style POST: --sse --ndjson --json -H authorization, one JSON object per line, as eventsource-parser reads it', async (t) => {
  const { url, seen } = await llmServer(t)
  const { code, stdout, stderr } = await runCli(['--sse', '--ndjson', '--json', '{"stream":true}', '-H', 'authorization: Bearer x', url])
  t.is(code, 0, stderr)
  t.is(seen[0].method, 'POST')
  t.is(seen[0].headers['content-type'], 'application/json')
  t.is(seen[0].headers.accept, 'text/event-stream')
  t.is(seen[0].body, '{"stream":true}')
  t.true(stdout.endsWith('\n'))
  const lines = stdout.slice(0, -1).split('\n').map((line) => JSON.parse(line))
  t.deepEqual(lines, referenceEvents(LLM_STREAM))
  t.deepEqual(lines.map((l) => Object.keys(l)), [
    ['event', 'data', 'id'], ['event', 'data', 'id'], ['event', 'data', 'id', 'retry'], ['event', 'data', 'id'], ['event', 'data', 'id']
  ])
  t.is(JSON.parse(lines[0].data).token, 'Hel')
  t.is(lines[3].data, '{"prompt":3,\n"completion":3}')
})

test('--sse without --ndjson prints the fields readably, uncoloured when piped', async (t) => {
  const { url } = await llmServer(t)
  const { code, stdout } = await runCli(['--sse', '-H', 'authorization: Bearer x', url])
  t.is(code, 0)
  t.is(stdout, [
    'event: message\nid: 1\ndata: {"token":"Hel"}\n',
    'event: message\nid: 2\ndata: {"token":"lo"}\n',
    'event: message\nid: 2\nretry: 2500\ndata: {"token":" world"}\n',
    'event: usage\nid: 2\ndata: {"prompt":3,\ndata: "completion":3}\n',
    'event: message\nid: 2\ndata: [DONE]\n', ''].join('\n'))
  t.false(stdout.includes('\x1b'))
})

test('--sse on an HTTP error: exit 22 with the small body on stderr and nothing on stdout', async (t) => {
  const { url } = await llmServer(t)
  const { code, stdout, stderr } = await runCli(['--sse', '--ndjson', '-H', 'authorization: Bearer wrong', url])
  t.is(code, 22)
  t.is(stdout, '')
  t.is(stderr, `{"error":"bad key"}\nferrofetch: HTTP 401 Unauthorized from ${url}/ (exit 22)\n`)
})

test('--sse --reconnect reconnects after the stream ends, sends Last-Event-ID, and stops on 204', async (t) => {
  const lastEventIds = []
  const { url } = await httpServer(t, (req, res) => {
    lastEventIds.push(req.headers['last-event-id'] ?? null)
    if (lastEventIds.length === 1) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      return res.end('retry: 10\nid: a1\ndata: first\n\n')
    }
    if (lastEventIds.length === 2) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      return res.end('id: a2\ndata: second\n\n')
    }
    res.writeHead(204).end()
  })
  const { code, stdout, stderr } = await runCli(['--sse', '--reconnect', '--ndjson', url])
  t.is(code, 0, stderr)
  t.deepEqual(lastEventIds, [null, 'a1', 'a2'])
  t.deepEqual(stdout.trim().split('\n').map((l) => JSON.parse(l)), [
    { event: 'message', data: 'first', id: 'a1', retry: 10 },
    { event: 'message', data: 'second', id: 'a2' }
  ])
})

test('--sse --reconnect ends with exit 22 when the server answers an HTTP error', async (t) => {
  const { url } = await httpServer(t, (req, res) => res.writeHead(503).end())
  const { code, stderr } = await runCli(['--sse', '--reconnect', url])
  t.is(code, 22)
  t.regex(stderr, /^ferrofetch: event stream answered with an HTTP error \(ERR_FF_SSE_STATUS\) to 127\.0\.0\.1:\d+\n$/)
})

test('--sse -o FILE writes the events, uncoloured, to the file', async (t) => {
  const { url } = await llmServer(t)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrofetch-cli-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'events.ndjson')
  const { code, stdout } = await runCli(['--sse', '--ndjson', '-H', 'authorization: Bearer x', '-o', file, url])
  t.is(code, 0)
  t.is(stdout, '')
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  t.deepEqual(lines, referenceEvents(LLM_STREAM))
})

test('--sse --reconnect -o FILE writes the events to the file', async (t) => {
  let connections = 0
  const { url } = await httpServer(t, (req, res) => {
    if (++connections > 1) return res.writeHead(204).end()
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.end('retry: 10\nid: z\ndata: only\n\n')
  })
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrofetch-cli-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'events.txt')
  const { code, stdout, stderr } = await runCli(['--sse', '--reconnect', '-o', file, url])
  t.is(code, 0, stderr)
  t.is(stdout, '')
  t.is(fs.readFileSync(file, 'utf8'), 'event: message\nid: z\nretry: 10\ndata: only\n\n')
})
