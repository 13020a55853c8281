// Every public entry point rejects bad input with a TypeError (or a
// RangeError for numbers out of range) that names the argument, before any
// I/O. fetch()'s own table is in errors.spec.mjs.
import test from 'ava'
import { Client, upload, events, EventSource, createParser, Response, Headers } from '../index.mjs'
import { httpServer } from './helpers/servers.mjs'

const URL_OK = 'http://127.0.0.1:9/'

/** [what, call, error class, text the message must contain] */
const cases = [
  ['Client options not an object', () => new Client(42), TypeError, 'options'],
  ['Client timeout a string', () => new Client({ timeout: '5' }), TypeError, 'timeout'],
  ['Client negative readTimeout', () => new Client({ readTimeout: -1 }), RangeError, 'readTimeout'],
  ['Client maxRedirections a float', () => new Client({ maxRedirections: 1.5 }), TypeError, 'maxRedirections'],
  ['Client poolMaxIdlePerHost negative', () => new Client({ poolMaxIdlePerHost: -1 }), RangeError, 'poolMaxIdlePerHost'],
  ['Client userAgent with CR LF', () => new Client({ userAgent: 'a\r\nb' }), TypeError, 'userAgent'],
  ['Client http unknown', () => new Client({ http: 'http3' }), TypeError, 'http'],
  ['Client decompress not boolean', () => new Client({ decompress: 'yes' }), TypeError, 'decompress'],
  ['Client proxy ftp scheme', () => new Client({ proxy: 'ftp://127.0.0.1' }), TypeError, 'proxy'],
  ['Client proxy not a URL', () => new Client({ proxy: 'not a url' }), TypeError, 'proxy'],
  ['Client tls.ca garbage', () => new Client({ tls: { ca: 'garbage' } }), TypeError, 'CA'],
  ['Client tls.cert without key', () => new Client({ tls: { cert: 'x' } }), TypeError, 'tls.cert'],
  ['Client headers invalid name', () => new Client({ headers: { 'bad name': 'x' } }), TypeError, 'headers'],
  ['upload init not an object', () => upload(URL_OK, 5), TypeError, 'init'],
  ['upload with a body', () => upload(URL_OK, { body: 'x' }), TypeError, 'body'],
  ['upload with GET', () => upload(URL_OK, { method: 'GET' }), TypeError, 'GET'],
  ['upload relative URL', () => upload('/relative'), TypeError, 'URL'],
  ['events init not an object', () => events(URL_OK, 5), TypeError, 'init'],
  ['events negative retry', () => events(URL_OK, { retry: -5 }), RangeError, 'retry'],
  ['events maxSize zero', () => events(URL_OK, { maxSize: 0 }), RangeError, 'maxSize'],
  ['events lastEventId a number', () => events(URL_OK, { lastEventId: 5 }), TypeError, 'lastEventId'],
  ['events signal not a signal', () => events(URL_OK, { signal: {} }), TypeError, 'signal'],
  ['EventSource invalid URL', () => new EventSource('http://[::1'), DOMException, ''],
  ['createParser given a function', () => createParser(() => {}), TypeError, ''],
  ['createParser maxBufferSize negative', () => createParser({ maxBufferSize: -1 }), RangeError, ''],
  ['Response.events maxSize a string', () => new Response('data: x\n\n').events({ maxSize: 'big' }), RangeError, 'maxSize'],
  ['Headers invalid name', () => new Headers({ 'a b': 'c' }), TypeError, 'a b']
]

for (const [what, call, ErrorClass, text] of cases) {
  test(`${what}: ${ErrorClass.name}`, (t) => {
    let error
    try {
      const made = call()
      made?.close?.()
    } catch (err) {
      error = err
    }
    t.true(error instanceof ErrorClass, `got ${error}`)
    if (text) t.true(String(error.message).includes(text), `message ${JSON.stringify(error.message)} should name ${text}`)
  })
}

test('a rejected upload() or events() call sends nothing', async (t) => {
  let requests = 0
  const { url } = await httpServer(t, (req, res) => { requests++; res.end() })
  t.throws(() => upload(url, { method: 'GET' }))
  t.throws(() => events(url, { retry: -1 }))
  t.throws(() => new Client({ proxy: 'ftp://x' }))
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.is(requests, 0)
})
