// ferrofetch's fetch, Response, Headers and Request where the platform's are
// expected (lib.dom's under tsconfig.json, @types/node's under
// tsconfig.node.json): SDKs type their `fetch` option as `typeof
// globalThis.fetch` or a signature built from the global Request, RequestInit
// and Response. Each line fails to compile if the assignability breaks.
import ferrofetch, { fetch, Headers, Request, Response, Client } from '../../index.js'

// fetch itself, the default export's and a Client's.
const asGlobalFetch: typeof globalThis.fetch = fetch
const defaultExportFetch: typeof globalThis.fetch = ferrofetch.fetch
const client = new Client()
const clientFetch: typeof globalThis.fetch = client.fetch.bind(client)
// The shapes SDKs spell out (OpenAI's Fetch, the MCP SDK's FetchLike).
const openAiShape: (input: string | URL | globalThis.Request, init?: RequestInit) => Promise<globalThis.Response> = fetch
const mcpShape: (url: string | URL, init?: RequestInit) => Promise<globalThis.Response> = fetch

async function platformValuesIntoFerrofetch (): Promise<void> {
  // A Request made by the platform's class, with the platform's RequestInit.
  const init: RequestInit = { method: 'POST', body: 'x', headers: { a: 'b' }, signal: null }
  await fetch(new globalThis.Request('http://127.0.0.1/', init))
  await fetch('http://127.0.0.1/', init)
  await fetch(new URL('http://127.0.0.1/'), { headers: new globalThis.Headers([['a', 'b']]) })
  void new Request(new globalThis.Request('http://127.0.0.1/'), init)
  void new Headers(new globalThis.Headers())
}

async function ferrofetchValuesIntoPlatform (): Promise<void> {
  const res: globalThis.Response = await fetch('http://127.0.0.1/')
  const made: globalThis.Response = new Response('x', { status: 201 })
  const headers: globalThis.Headers = new Headers({ a: 'b' })
  const fromResponse: globalThis.Headers = res.headers
  const request: globalThis.Request = new Request('http://127.0.0.1/')
  const bytes: Uint8Array = await (await fetch('http://127.0.0.1/')).bytes()
  const body: ReadableStream<Uint8Array> | null = made.body
  await globalThis.fetch(request)
  await globalThis.fetch('http://127.0.0.1/', { headers })
  void [res, made, headers, fromResponse, bytes, body]
}

// Misuse still fails under the wider signature.
// @ts-expect-error a number is not a RequestInfo
void fetch(42)
// @ts-expect-error redirect modes are a closed set, also in the platform's RequestInit
void fetch('http://127.0.0.1/', { redirect: 'sometimes' })

void [asGlobalFetch, defaultExportFetch, clientFetch, openAiShape, mcpShape, platformValuesIntoFerrofetch, ferrofetchValuesIntoPlatform]
