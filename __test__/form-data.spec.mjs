// formData(): multipart/form-data and application/x-www-form-urlencoded
// bodies parsed by ferrofetch itself (lib/form-data-parse.js), compared with
// Node's own fetch on the same bytes from the same server, and safe when
// ferrofetch's Response is installed as globalThis.Response.
import test from 'ava'
import { runNode } from './helpers/child.mjs'
import { fileURLToPath } from 'node:url'
import { fetch, Response } from '../index.mjs'
import { httpServer } from './helpers/servers.mjs'

const nodeFetch = globalThis.fetch
const entry = fileURLToPath(new URL('../index.js', import.meta.url))

const B = 'formdata-boundary-0123456789abcdef'
const MULTIPART = `multipart/form-data; boundary=${B}`
const URLENCODED = 'application/x-www-form-urlencoded'
const part = (headers, value) => `--${B}\r\n${headers}\r\n\r\n${value}\r\n`
const named = (name) => `Content-Disposition: form-data; name="${name}"`
const END = `--${B}--`

/** name → [content-type or null, body (string or bytes)] */
const WELL_FORMED = {
  'one field': [MULTIPART, part(named('a'), '1') + END],
  'fields in order, a repeated name, a value ending in CRLF': [MULTIPART, part(named('a'), '1') + part(named('b'), '') + part(named('a'), '2\r\n') + END + '\r\n'],
  'a file with filename and content-type': [MULTIPART, part(`${named('doc')}; filename="report.html"\r\nContent-Type: Text/HTML; charset=UTF-8`, '<p>hi</p>') + END],
  'a file without content-type is text/plain': [MULTIPART, part(`${named('f')}; filename="a.bin"`, 'xyz') + END],
  'binary file bytes are kept': [MULTIPART, Buffer.concat([Buffer.from(part(`${named('f')}; filename="b.bin"\r\nContent-Type: application/octet-stream`, '').slice(0, -2)), Buffer.from([0, 255, 13, 10, 128]), Buffer.from(`\r\n${END}`)])],
  'quoted names with escapes': [MULTIPART, part('Content-Disposition: form-data; name="q%22uote%0Aline%0dcr"; filename="f%22.txt"', 'v') + END],
  'UTF-8 names and values, a BOM dropped': [MULTIPART, part(named('\ufeffnäme'), '\ufeffwért €') + END],
  'header names in any case, no space after the colon, other headers ignored': [MULTIPART, part('content-disposition:form-data; name="a"\r\nX-Other: 1', 'v') + END],
  'base64 transfer encoding is decoded': [MULTIPART, part(`${named('a')}\r\nContent-Transfer-Encoding: base64`, 'aGVsbG8=') + END],
  'CRLFs around the body are ignored': [MULTIPART, '\r\n\r\n' + part(named('a'), '1') + END + '\r\n\r\n'],
  'no parts at all': [MULTIPART, END],
  'a quoted boundary parameter': ['multipart/form-data; boundary="a b"', '--a b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--a b--'],
  'urlencoded pairs': [URLENCODED, 'a=1&b=%E2%82%AC+x&&c&=d&e=%zz'],
  'urlencoded with a charset parameter': [`${URLENCODED};charset=UTF-8`, 'k=v'],
  'urlencoded keeps a leading BOM': [URLENCODED, '\ufeffa=1']
}

const MALFORMED = {
  'an empty multipart body': [MULTIPART, ''],
  'text before the first boundary': [MULTIPART, 'preamble\r\n' + part(named('a'), '1') + END],
  'no closing delimiter': [MULTIPART, part(named('a'), '1')],
  'bytes after the closing delimiter': [MULTIPART, part(named('a'), '1') + END + 'junk'],
  'a part without Content-Disposition': [MULTIPART, part('Content-Type: text/plain', '1') + END],
  'a Content-Disposition that is not form-data; name="…"': [MULTIPART, part('Content-Disposition: form-data;name="a"', '1') + END],
  'an unterminated name': [MULTIPART, part('Content-Disposition: form-data; name="a', '1') + END],
  'a header name that is not a token': [MULTIPART, part('Content Disposition: form-data; name="a"', '1') + END],
  'a header line without a colon': [MULTIPART, part(`${named('a')}\r\nX-Broken`, '1') + END],
  'LF line ends': [MULTIPART, `--${B}\n${named('a')}\n\n1\n${END}`],
  'no boundary parameter': ['multipart/form-data', part(named('a'), '1') + END],
  'another content type': ['text/plain', 'a=1'],
  'no content type': [null, 'a=1']
}

/** A server that answers /<case name> with that case's content type and bytes. */
function casesServer (t, cases) {
  return httpServer(t, (req, res) => {
    const [type, body] = cases[decodeURIComponent(req.url.slice(1))]
    if (type !== null) res.setHeader('content-type', type)
    res.end(body)
  })
}

/** What a program can observe of a formData() result, or of its rejection. */
async function observe (promise) {
  let form
  try {
    form = await promise
  } catch (err) {
    return { rejected: err.constructor.name }
  }
  const entries = []
  for (const [name, value] of form) {
    entries.push(typeof value === 'string'
      ? [name, value]
      : [name, { file: value instanceof File, name: value.name, type: value.type, bytes: [...new Uint8Array(await value.arrayBuffer())] }])
  }
  return { entries }
}

/**
 * Cases where Node 24's bundled undici (7) parts from Node 20 and 22: it
 * keeps a value's leading BOM, and accepts text before the first boundary,
 * after the closing delimiter and a Content-Disposition other than
 * form-data.
 * ferrofetch parses as Node 20 and 22 do, and is compared with Node's
 * fetch on those cases only there (the same JS runs on every version).
 */
const NODE_24_DIFFERS = new Set([
  'UTF-8 names and values, a BOM dropped',
  'text before the first boundary',
  'bytes after the closing delimiter',
  'a Content-Disposition that is not form-data; name="…"'
])
const NODE_MAJOR = Number(process.versions.node.split('.')[0])
const comparable = (name) => NODE_MAJOR < 24 || !NODE_24_DIFFERS.has(name)

for (const [label, cases] of [['well-formed', WELL_FORMED], ['malformed', MALFORMED]]) {
  test(`formData() of ${label} bodies gives what Node's fetch gives for the same bytes`, async (t) => {
    const { url } = await casesServer(t, cases)
    for (const name of Object.keys(cases)) {
      const target = `${url}/${encodeURIComponent(name)}`
      const ours = await observe((await fetch(target)).formData())
      const node = await observe((await nodeFetch(target)).formData())
      if (comparable(name)) t.deepEqual(ours, node, name)
      if (label === 'malformed') t.deepEqual(ours, { rejected: 'TypeError' }, name)
      else t.true(Array.isArray(ours.entries), name)
    }
  })
}

test('formData() of a constructed Response reads the same entries as Node\'s Response', async (t) => {
  for (const [name, [type, body]] of Object.entries(WELL_FORMED)) {
    const init = type === null ? {} : { headers: { 'content-type': type } }
    if (!comparable(name)) continue
    t.deepEqual(await observe(new Response(body, init).formData()), await observe(new globalThis.Response(body, init).formData()), name)
  }
})

test('formData() round-trips a FormData body with files', async (t) => {
  const form = new FormData()
  form.append('text', 'line1\nline2')
  form.append('file', new File([new Uint8Array([1, 2, 3])], 'x "y".bin', { type: 'application/x-thing' }))
  form.append('empty', new File([], 'empty.txt'))
  const back = await new Response(form).formData()
  const file = back.get('file')
  t.deepEqual(back.getAll('text'), ['line1\r\nline2'])
  t.true(file instanceof File)
  t.is(file.name, 'x "y".bin')
  t.is(file.type, 'application/x-thing')
  t.deepEqual([...new Uint8Array(await file.arrayBuffer())], [1, 2, 3])
  t.is(back.get('empty').size, 0)
  t.is(back.get('empty').type, 'application/octet-stream')
})

test('a value that contains the boundary text is read whole (the multipart draft spec, where Node 20 rejects it)', async (t) => {
  const body = part(named('a'), `before ${B} after`) + END
  const form = await new Response(body, { headers: { 'content-type': MULTIPART } }).formData()
  t.deepEqual([...form], [['a', `before ${B} after`]])
})

/** Runs a script in a fresh Node process (helpers/child.mjs). */
const runScript = (script) => runNode(script)

test('formData() works, and timers keep running, when ferrofetch\'s Response is globalThis.Response', async (t) => {
  const { code, stdout, stderr } = await runScript(`
    const ferrofetch = require(${JSON.stringify(entry)})
    globalThis.Response = ferrofetch.Response
    let timerRan = false
    setTimeout(() => { timerRan = true }, 0)
    const multipart = new ferrofetch.Response(${JSON.stringify(part(named('a'), '1') + END)},
      { headers: { 'content-type': ${JSON.stringify(MULTIPART)} } })
    const urlencoded = new ferrofetch.Response('b=2', { headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    Promise.all([multipart.formData(), urlencoded.formData()]).then(([m, u]) => {
      setTimeout(() => console.log(JSON.stringify([...m, ...u]), timerRan), 10)
    })`)
  t.is(code, 0, stderr)
  t.is(stdout.trim(), '[["a","1"],["b","2"]] true')
})
