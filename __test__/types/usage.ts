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

async function longStreams (): Promise<void> {
  const client = new Client({ retry: { limit: 2, statusCodes: [503] }, eventTimeout: 30_000 })
  const res = await client.fetch('http://127.0.0.1/', {
    retry: { limit: 3, methods: ['get'], delay: (n) => n * 100, jitter: false, maxRetryAfter: 5000, backoffLimit: 1000 },
    onUploadProgress: ({ percent, transferredBytes, totalBytes }) => { void [percent, transferredBytes, totalBytes] },
    onDownloadProgress: (p) => { const x: number = p.percent; void x }
  })
  await fetch('http://127.0.0.1/', { retry: 2 })
  for await (const text of res.textStream()) {
    const s: string = text
    void s
  }
  const it = res.events({ eventTimeout: 1000, maxSize: 1 << 20 })
  void it
  void events('http://127.0.0.1/', { eventTimeout: 5000, retry: 100 })
  void new EventSource('http://127.0.0.1/', { eventTimeout: 5000 })
  void upload('http://127.0.0.1/', { onUploadProgress: (p) => { void p.totalBytes } })
  const code: FetchErrorCode = 'ERR_FF_EVENT_TIMEOUT'
  void code
  // @ts-expect-error a progress callback takes a Progress, not a number
  await fetch('http://127.0.0.1/', { onDownloadProgress: (p: number) => p })
  // @ts-expect-error retry.limit is a number
  await fetch('http://127.0.0.1/', { retry: { limit: 'many' } })
}
void longStreams
