// The CLI's request flags, checked at a loopback server that records what
// arrived on the wire: method, headers, body (and its sha256).
import test from 'ava'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { httpServer, readBody } from './helpers/servers.mjs'
import { runCli } from './helpers/cli.mjs'

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')

/** Records each request; answers 200 "ok". */
async function recorder (t) {
  const seen = []
  const server = await httpServer(t, async (req, res) => {
    const body = await readBody(req)
    seen.push({ method: req.method, url: req.url, headers: req.headers, body, sha256: sha256(body) })
    res.end('ok')
  })
  return { ...server, seen }
}

function tempFile (t, name, contents) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrofetch-cli-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, name)
  fs.writeFileSync(file, contents)
  return file
}

test('a plain GET sends the CLI user agent and prints the body', async (t) => {
  const { url, seen } = await recorder(t)
  const { code, stdout, stderr } = await runCli([`${url}/path?q=1`])
  t.is(code, 0, stderr)
  t.is(stdout, 'ok')
  t.is(seen[0].method, 'GET')
  t.is(seen[0].url, '/path?q=1')
  t.regex(seen[0].headers['user-agent'], /^ferrofetch\/\d+\.\d+\.\d+/)
})

test('a URL without a scheme is http', async (t) => {
  const { port, seen } = await recorder(t)
  const { code, stdout } = await runCli([`127.0.0.1:${port}/x`])
  t.is(code, 0)
  t.is(stdout, 'ok')
  t.is(seen[0].url, '/x')
})

test('-X sets the method', async (t) => {
  const { url, seen } = await recorder(t)
  t.is((await runCli(['-X', 'DELETE', url])).code, 0)
  t.is((await runCli(['--method', 'PATCH', url])).code, 0)
  t.deepEqual(seen.map((s) => s.method), ['DELETE', 'PATCH'])
})

test('-H adds headers, repeatable, and overrides the defaults', async (t) => {
  const { url, seen } = await recorder(t)
  const { code } = await runCli(['-H', 'X-One: 1', '--header', 'x-two:two words', '-H', 'User-Agent: mine', url])
  t.is(code, 0)
  t.is(seen[0].headers['x-one'], '1')
  t.is(seen[0].headers['x-two'], 'two words')
  t.is(seen[0].headers['user-agent'], 'mine')
})

test('-A sets the User-Agent', async (t) => {
  const { url, seen } = await recorder(t)
  t.is((await runCli(['-A', 'agent/9', url])).code, 0)
  t.is((await runCli(['--user-agent', 'agent/10', url])).code, 0)
  t.deepEqual(seen.map((s) => s.headers['user-agent']), ['agent/9', 'agent/10'])
})

test('-u sends basic authentication', async (t) => {
  const { url, seen } = await recorder(t)
  t.is((await runCli(['-u', 'ann:s3cret:x', url])).code, 0)
  t.is(seen[0].headers.authorization, `Basic ${Buffer.from('ann:s3cret:x').toString('base64')}`)
})

test('-d sends a form-urlencoded POST, several joined with &', async (t) => {
  const { url, seen } = await recorder(t)
  t.is((await runCli(['-d', 'a=1', '--data', 'b=2', url])).code, 0)
  t.is(seen[0].method, 'POST')
  t.is(seen[0].headers['content-type'], 'application/x-www-form-urlencoded')
  t.is(seen[0].body.toString(), 'a=1&b=2')
})

test('-d @file sends the file and -d @- sends stdin', async (t) => {
  const { url, seen } = await recorder(t)
  const file = tempFile(t, 'data.txt', 'from=file\n')
  t.is((await runCli(['-d', `@${file}`, url])).code, 0)
  t.is((await runCli(['-d', '@-', url], { input: 'from=stdin' })).code, 0)
  t.deepEqual(seen.map((s) => s.body.toString()), ['from=file\n', 'from=stdin'])
})

test('--json sends JSON with content-type and accept', async (t) => {
  const { url, seen } = await recorder(t)
  t.is((await runCli(['--json', '{"stream":true}', url])).code, 0)
  t.is(seen[0].method, 'POST')
  t.is(seen[0].headers['content-type'], 'application/json')
  t.is(seen[0].headers.accept, 'application/json')
  t.deepEqual(JSON.parse(seen[0].body), { stream: true })
})

test('--json @file reads the file', async (t) => {
  const { url, seen } = await recorder(t)
  const file = tempFile(t, 'body.json', '{"from":"file"}')
  t.is((await runCli(['--json', `@${file}`, url])).code, 0)
  t.deepEqual(JSON.parse(seen[0].body), { from: 'file' })
})

test('-F sends multipart fields and files, parsed back by the server as sent', async (t) => {
  const { url, seen } = await recorder(t)
  const contents = randomBytes(3 << 20) // over 1 MiB: streamed from the file
  const file = tempFile(t, 'blob.bin', contents)
  const { code, stderr } = await runCli(['-F', 'name=value', '--form', `upload=@${file};type=application/x-test`, url])
  t.is(code, 0, stderr)
  const { method, headers, body } = seen[0]
  t.is(method, 'POST')
  t.regex(headers['content-type'], /^multipart\/form-data; boundary=/)
  t.is(headers['content-length'], String(body.length))
  const form = await new Response(body, { headers: { 'content-type': headers['content-type'] } }).formData()
  t.is(form.get('name'), 'value')
  const part = form.get('upload')
  t.is(part.name, 'blob.bin')
  t.is(part.type, 'application/x-test')
  t.is(sha256(Buffer.from(await part.arrayBuffer())), sha256(contents))
})

test('-T FILE uploads the file with PUT and its Content-Length, byte for byte', async (t) => {
  const { url, seen } = await recorder(t)
  const contents = randomBytes((2 << 20) + 17)
  const file = tempFile(t, 'up.bin', contents)
  const { code, stderr } = await runCli(['-T', file, url])
  t.is(code, 0, stderr)
  t.is(seen[0].method, 'PUT')
  t.is(seen[0].headers['content-length'], String(contents.length))
  t.is(seen[0].sha256, sha256(contents))
})

test('-T - streams stdin chunked, and the server gets it byte for byte (sha256)', async (t) => {
  const { url, seen } = await recorder(t)
  const pieces = Array.from({ length: 64 }, () => randomBytes(64 * 1024 + 3))
  const { code, stderr } = await runCli(['--upload-file', '-', url], { input: Readable.from(pieces) })
  t.is(code, 0, stderr)
  t.is(seen[0].method, 'PUT')
  t.is(seen[0].headers['transfer-encoding'], 'chunked')
  t.is(seen[0].headers['content-length'], undefined)
  t.is(seen[0].sha256, sha256(Buffer.concat(pieces)))
})

test('-T with a missing file fails with exit 26 before any request', async (t) => {
  const { url, seen } = await recorder(t)
  const { code, stderr } = await runCli(['-T', '/nonexistent/file', url])
  t.is(code, 26)
  t.regex(stderr, /^ferrofetch: cannot read upload file '\/nonexistent\/file' \(ENOENT\)\n$/)
  t.is(seen.length, 0)
})

test('-v prints the request head (">") and the response head ("<") on stderr, not stdout', async (t) => {
  const { url } = await recorder(t)
  const { code, stdout, stderr } = await runCli(['-v', '-H', 'x-trace: 1', `${url}/v`])
  t.is(code, 0)
  t.is(stdout, 'ok')
  t.true(stderr.startsWith(`> GET ${url}/v\n`), stderr)
  t.regex(stderr, /^> x-trace: 1$/m)
  t.regex(stderr, /^> user-agent: ferrofetch\//m)
  t.regex(stderr, /^< HTTP 200 OK$/m)
  t.regex(stderr, /^< content-length: 2$/m)
})

test('two bodies at once are a usage error (exit 2) and nothing is sent', async (t) => {
  const { url, seen } = await recorder(t)
  const { code, stderr } = await runCli(['-d', 'a', '--json', '{}', url])
  t.is(code, 2)
  t.regex(stderr, /--data and --json cannot be used together\nusage: ferrofetch/)
  t.is(seen.length, 0)
})
