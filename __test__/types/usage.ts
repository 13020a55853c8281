// Compiled with `tsc --noEmit` by `npm test`: the hand-written index.d.ts
// must accept real usage and reject misuse (@ts-expect-error lines fail the
// build if the error they expect goes away).
import ferrofetch, {
  fetch, upload, events, Headers, Request, Response, Client, EventSource,
  createParser, ParseError, EventStreamError,
  type ServerSentEvent, type FetchErrorCode
} from '../../index.js'

async function usage (): Promise<void> {
  const res: Response = await fetch('http://127.0.0.1/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ a: 1 }),
    timeout: 1000,
    connectTimeout: 100,
    readTimeout: 500,
    redirect: 'manual',
    signal: AbortSignal.timeout(10),
    decompress: false
  })
  const status: number = res.status
  const text: string = await res.text()
  const body: ReadableStream<Uint8Array> | null = res.body
  for await (const ev of res.events()) {
    const e: ServerSentEvent = ev
    const data: string = e.data
    void data
  }
  const stream = events('http://127.0.0.1/', { method: 'POST', body: '{}', retry: 100, maxSize: 1 << 20 })
  for await (const ev of stream) void ev.id
  stream.close()
  const { writable, response } = upload('http://127.0.0.1/')
  await writable.getWriter().write('text')
  await response
  const client = new Client({ proxy: false, http: 'http2', tls: { ca: 'PEM', dangerouslyAcceptInvalidCertificates: true } })
  await client.fetch(new Request('http://127.0.0.1/'))
  const es = new EventSource('http://127.0.0.1/', { fetch: globalThis.fetch })
  es.onmessage = (ev) => void ev.data
  const parser = createParser({ onEvent: (ev) => void ev.id, onError: (err: ParseError) => void err.type })
  parser.feed('data: x\n\n')
  const h = new Headers([['a', 'b']])
  const code: FetchErrorCode = 'ECONNREFUSED'
  const err = new EventStreamError('x')
  void [status, text, body, h, code, err, ferrofetch.fetch]

  // @ts-expect-error redirect modes are a closed set
  await fetch('http://127.0.0.1/', { redirect: 'sometimes' })
  // @ts-expect-error an upload's body is written, not given
  upload('http://127.0.0.1/', { body: 'x' })
  // @ts-expect-error the http policy is a closed set
  void new Client({ http: 'http3' })
  // @ts-expect-error Response has no such method
  res.stream()
}
void usage
