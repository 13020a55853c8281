// Type definitions for ferrofetch (hand-written; the public contract).
// The classes follow the WHATWG Fetch standard; extensions are marked.

/// <reference types="node" />

import type { EventSource, ErrorEvent } from './lib/eventsource.js'
import type { createParser, ParseError, EventSourceParserStream } from './lib/parser.js'

export * from './lib/eventsource.js'
export * from './lib/parser.js'

/**
 * A Uint8Array over a plain (not shared) ArrayBuffer, which is what bodies
 * are read into. TypeScript 5.7+ spells it `Uint8Array<ArrayBuffer>` (what
 * lib.dom's Response uses); `slice()` returns that type there and a plain
 * `Uint8Array` before 5.7, so this compiles under either.
 */
export type NonSharedUint8Array = ReturnType<Uint8Array['slice']>

/**
 * The lib's built-in iterator type: with TypeScript 5.6+ an IteratorObject
 * (iterator helpers where the lib declares them, as on lib.dom's
 * HeadersIterator), before it an IterableIterator. Map's values() returns it.
 */
export type BuiltinIterator<T> = ReturnType<Map<unknown, T>['values']>

/** What a response body can be made from. */
export type BodyInit =
  | string
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | URLSearchParams
  | FormData
  | ReadableStream<Uint8Array>

/**
 * What a request body can be made from: a BodyInit, or (extensions, as in
 * undici) a Node Readable or any async iterable of bytes or strings. Streams
 * and iterables are sent as they are produced and need `duplex: 'half'`.
 */
export type RequestBodyInit =
  | BodyInit
  | NodeJS.ReadableStream
  | AsyncIterable<Uint8Array | string>

/**
 * WebIDL's `sequence<sequence<ByteString>> or record<ByteString, ByteString>`:
 * each inner sequence must hold a name and a value (else a TypeError). A
 * record's array value is converted with ToString ('a,b'), as in Node's fetch,
 * whose @types/node typing allows it.
 */
export type HeadersInit =
  | Headers
  | globalThis.Headers
  | Iterable<readonly [string, string]>
  | Iterable<Iterable<string>>
  | Record<string, string | ReadonlyArray<string>>

export type RequestRedirect = 'follow' | 'manual' | 'error'
export type RequestCache = 'default' | 'force-cache' | 'no-cache' | 'no-store' | 'only-if-cached' | 'reload'
export type RequestCredentials = 'include' | 'omit' | 'same-origin'
export type RequestMode = 'cors' | 'navigate' | 'no-cors' | 'same-origin'
export type ReferrerPolicy =
  | '' | 'no-referrer' | 'no-referrer-when-downgrade' | 'origin' | 'origin-when-cross-origin'
  | 'same-origin' | 'strict-origin' | 'strict-origin-when-cross-origin' | 'unsafe-url'
export type ResponseType = 'basic' | 'cors' | 'default' | 'error' | 'opaque' | 'opaqueredirect'

/**
 * The stable codes on `error.cause.code` (network failures, `TypeError`)
 * and on `error.cause.code` of a `TimeoutError`. Messages are not API;
 * these are.
 */
export type FetchErrorCode =
  | 'ECONNREFUSED'
  | 'ENOTFOUND'
  | 'ECONNRESET'
  | 'ERR_FF_CONNECT'
  | 'ERR_FF_TLS'
  | 'ERR_FF_PROTOCOL'
  | 'ERR_FF_INCOMPLETE_BODY'
  | 'ERR_FF_UNEXPECTED_REDIRECT'
  | 'ERR_FF_TOO_MANY_REDIRECTS'
  | 'ERR_FF_BAD_REDIRECT'
  | 'ERR_FF_UNSUPPORTED_SCHEME'
  | 'ERR_FF_DATA_URL'
  | 'ERR_FF_BLOB_URL'
  | 'ERR_FF_INTEGRITY'
  | 'ERR_FF_TIMEOUT'
  | 'ERR_FF_CONNECT_TIMEOUT'
  | 'ERR_FF_READ_TIMEOUT'
  | 'ERR_FF_EVENT_TIMEOUT'
  | 'ERR_FF_CLIENT_CLOSED'
  | 'ERR_FF_UPLOAD_FAILED'
  | 'ERR_FF_DECODE'
  | 'ERR_FF_SSE_TOO_LARGE'
  | 'ERR_FF_NETWORK'
  | 'ERR_FF_INTERNAL'

/** Time limits, in milliseconds. None is set by default. */
export interface TimeoutOptions {
  /** Limit for the whole request: connecting, the response head and the whole body. */
  timeout?: number
  /** Limit for establishing the connection (TCP and TLS). */
  connectTimeout?: number
  /** Longest silence allowed between two chunks of the response body. */
  readTimeout?: number
}

/** The standard RequestInit plus ferrofetch's extensions. */
export interface FetchInit extends TimeoutOptions {
  method?: string
  headers?: HeadersInit
  body?: RequestBodyInit | null
  redirect?: RequestRedirect
  signal?: AbortSignal | null
  /** Required (as 'half') when `body` is a ReadableStream. */
  duplex?: 'half'
  /** Accepted for compatibility; must be null. */
  window?: null
  /** Sent as `Sec-Fetch-Mode` (default 'cors'), as Node's fetch does; no CORS checks ('navigate' is a TypeError). */
  mode?: Exclude<RequestMode, 'navigate'>
  /** Accepted for compatibility and ignored by a server-side client. */
  credentials?: RequestCredentials
  /** No HTTP cache: decides the `Cache-Control`/`Pragma` sent, as in Node's fetch. */
  cache?: RequestCache
  /** An absolute URL, sent as `Referer` reduced by `referrerPolicy` on each hop; '' for none. */
  referrer?: string
  /** A referrer policy; '' (default) is 'strict-origin-when-cross-origin'. */
  referrerPolicy?: ReferrerPolicy
  /**
   * Subresource Integrity metadata (`sha256-…`, `sha384-…`, `sha512-…`, base64
   * or base64url): the body is read whole and checked before `fetch` resolves;
   * a mismatch rejects with TypeError('fetch failed'), `cause.code` ERR_FF_INTEGRITY.
   */
  integrity?: string
  keepalive?: boolean
  /** Extension: send through this client (its pool and defaults). */
  client?: Client
  /**
   * Extension: decode gzip, deflate, br and zstd bodies (default: the
   * client's setting, true). `false` passes the raw bytes and the
   * Content-Encoding header through and sends no Accept-Encoding.
   */
  decompress?: boolean
}

/**
 * What fetch() and `new Request()` take: a URL, or a Request (ferrofetch's
 * own or any other implementation's, such as Node's global one).
 */
export type RequestInfo = string | URL | Request | globalThis.Request

/**
 * fetch()'s init: ferrofetch's, or the platform's RequestInit (lib.dom's or
 * @types/node's), so that `fetch` is assignable to `typeof globalThis.fetch`
 * (what SDKs type their `fetch` option as).
 */
export type AnyRequestInit = FetchInit | globalThis.RequestInit

/** WHATWG Headers: case-insensitive, validated, sorted lower-case iteration. */
export declare class Headers implements Iterable<[string, string]> {
  constructor (init?: HeadersInit)
  append (name: string, value: string): void
  delete (name: string): void
  get (name: string): string | null
  getSetCookie (): string[]
  has (name: string): boolean
  set (name: string, value: string): void
  forEach (callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void
  entries (): BuiltinIterator<[string, string]>
  keys (): BuiltinIterator<string>
  values (): BuiltinIterator<string>
  [Symbol.iterator] (): BuiltinIterator<[string, string]>
}

/** The Body mixin shared by Request and Response. */
interface Body {
  /** A byte stream (BYOB readers work); also async-iterable. Null for no body. */
  readonly body: ReadableStream<NonSharedUint8Array> | null
  readonly bodyUsed: boolean
  arrayBuffer (): Promise<ArrayBuffer>
  bytes (): Promise<NonSharedUint8Array>
  blob (): Promise<Blob>
  formData (): Promise<FormData>
  json (): Promise<any>
  text (): Promise<string>
}

/** Enough of WHATWG Request for `fetch(new Request(url, init))`. */
export declare class Request implements Body {
  constructor (input: RequestInfo, init?: AnyRequestInit)
  readonly method: string
  readonly url: string
  readonly headers: Headers
  readonly redirect: RequestRedirect
  readonly signal: AbortSignal
  readonly duplex: 'half'
  readonly cache: RequestCache
  readonly credentials: RequestCredentials
  /** Always '': a request made by fetch() has no destination. */
  readonly destination: ''
  readonly integrity: string
  readonly keepalive: boolean
  readonly mode: RequestMode
  readonly referrer: string
  readonly referrerPolicy: ReferrerPolicy
  clone (): Request
  // The Body mixin's members (body, text() …) come from `interface Request extends Body` below.
}

export interface ResponseInit {
  status?: number
  statusText?: string
  headers?: HeadersInit
}

/** WHATWG Response. A fetched response's body streams from the network. */
export declare class Response implements Body {
  constructor (body?: BodyInit | null, init?: ResponseInit)
  static error (): Response
  static redirect (url: string | URL, status?: 301 | 302 | 303 | 307 | 308): Response
  static json (data: unknown, init?: ResponseInit): Response
  readonly type: ResponseType
  readonly url: string
  readonly redirected: boolean
  readonly status: number
  readonly ok: boolean
  readonly statusText: string
  readonly headers: Headers
  clone (): Response
  // The Body mixin's members (body, text() …) come from `interface Response extends Body` below.
}

/** One Server-Sent Event, with the wire's field names. */
export interface ServerSentEvent {
  /** The event type; 'message' when the block set none. */
  event: string
  /** The data lines joined with LF. */
  data: string
  /** The last event ID in force ('' when none). */
  id: string
  /** The reconnection time the event's block set, in ms, if any. */
  retry?: number
}

/** An async iterator of events; `return()` (or `break`) closes the connection. */
export interface ServerSentEventIterator extends AsyncIterableIterator<ServerSentEvent> {
  /** The last event ID in force. */
  readonly lastEventId: string
}

/** The limit of an event stream's parser. */
export interface EventSizeLimit {
  /** Byte limit for one line or one event (default 16 MiB); over it is an error. */
  maxSize?: number
}

/** events()'s init: a FetchInit plus reconnection settings. */
export interface EventsInit extends FetchInit, EventSizeLimit {
  /** Reconnection time before the server sets one with `retry` (default 3000 ms). */
  retry?: number
  /** Cap of the backoff while the server is unreachable (default 30000 ms). */
  maxRetryDelay?: number
  /** Resume after this event ID (sent as Last-Event-ID). */
  lastEventId?: string
}

/** A reconnecting stream of events (see {@link events}). */
export interface EventStream extends ServerSentEventIterator {
  /** Stops everything and closes the connection; the iterator ends. */
  close (): void
}

/** Ends an event stream: a non-2xx status or a content type other than text/event-stream. */
export declare class EventStreamError extends Error {
  readonly status: number
  readonly code: 'ERR_FF_SSE_STATUS' | 'ERR_FF_SSE_CONTENT_TYPE'
}

/**
 * A reconnecting async iterator of Server-Sent Events: waits the server's
 * `retry` after the stream ends and sends Last-Event-ID; backs off with
 * jitter while the server is unreachable; stops on 204; ends with
 * EventStreamError on a non-2xx status or a wrong content type. POST with a
 * body and headers works (the LLM case).
 */
export declare function events (input: RequestInfo, init?: EventsInit): EventStream

/** Settings of a Client. */
export interface ClientOptions extends TimeoutOptions {
  /** Idle pooled connections are closed after this many ms (default 30000). */
  poolIdleTimeout?: number
  /** Idle connections kept per host (default: unlimited). */
  poolMaxIdlePerHost?: number
  /** Redirects followed before the request fails (default 20). */
  maxRedirections?: number
  /** User-Agent sent when a request has none (default `ferrofetch/<version>`). */
  userAgent?: string
  /** Headers every request carries unless it sets them itself. */
  headers?: HeadersInit
  /** Decode gzip, deflate, br and zstd bodies as they stream (default true). */
  decompress?: boolean
  /**
   * HTTP versions: 'auto' (HTTP/2 when TLS's ALPN agrees, default), 'http1',
   * or 'http2' (HTTP/2 by prior knowledge, also over cleartext).
   */
  http?: 'auto' | 'http1' | 'http2'
  /**
   * Proxy: undefined honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY; a URL
   * (http, https, socks5 or socks5h, credentials in the userinfo) sends every
   * request through it; false disables proxies.
   */
  proxy?: string | URL | false
  tls?: TlsOptions
}

/**
 * TLS settings (rustls). Certificates are verified with the platform's roots and the bundled (Mozilla) ones,
 * plus those of NODE_EXTRA_CA_CERTS; NODE_TLS_REJECT_UNAUTHORIZED=0 turns verification off. Both are read
 * when the Client is made.
 */
export interface TlsOptions {
  /** Extra trusted CA certificates, PEM (on top of NODE_EXTRA_CA_CERTS's). */
  ca?: string | Buffer | Array<string | Buffer>
  /** Client certificate chain, PEM (with `key`). */
  cert?: string | Buffer
  /** Client private key, PEM (with `cert`). */
  key?: string | Buffer
  /**
   * Accept any server certificate. Development only: it disables what TLS is for. Given, it wins over
   * NODE_TLS_REJECT_UNAUTHORIZED.
   */
  dangerouslyAcceptInvalidCertificates?: boolean
}

/** A connection pool with its own settings. The default one serves `fetch`. */
export declare class Client {
  constructor (options?: ClientOptions)
  /** fetch() through this client. */
  fetch (input: RequestInfo, init?: AnyRequestInit): Promise<Response>
  /** events() through this client. */
  events (input: RequestInfo, init?: EventsInit): EventStream
  /** upload() through this client. */
  upload (input: RequestInfo, init?: UploadInit): Upload
  /** Closes the pool; later requests reject with `ERR_FF_CLIENT_CLOSED`. */
  close (): void
  readonly closed: boolean
}

/**
 * WHATWG fetch. Rejects with `TypeError('fetch failed', { cause })` on
 * network failure (`cause.code` is a {@link FetchErrorCode}), with the
 * signal's reason on abort, and with a `DOMException` named `TimeoutError`
 * when one of the time limits runs out.
 */
export declare function fetch (input: RequestInfo, init?: AnyRequestInit): Promise<Response>

/** upload()'s init: a FetchInit without a body (it is written instead). */
export type UploadInit = Omit<FetchInit, 'body' | 'duplex'>

/** A request whose body is written while it is sent. */
export interface Upload {
  /**
   * Writes go straight into the request body; `writer.ready` and
   * `desiredSize` follow the network's backpressure. `close()` ends the
   * body; `abort(reason)` fails the request with `reason` and the server
   * never sees a complete body.
   */
  writable: WritableStream<Uint8Array | string>
  /** Resolves when the server answers (also if it answers early). */
  response: Promise<Response>
}

/**
 * Starts a request (POST unless `init.method` says otherwise) whose body is
 * written into `writable` as it is sent (chunked on HTTP/1.1). Throws a
 * TypeError for invalid arguments.
 */
export declare function upload (input: RequestInfo, init?: UploadInit): Upload

declare const ferrofetch: {
  fetch: typeof fetch
  upload: typeof upload
  events: typeof events
  EventSource: typeof EventSource
  ErrorEvent: typeof ErrorEvent
  EventStreamError: typeof EventStreamError
  createParser: typeof createParser
  ParseError: typeof ParseError
  EventSourceParserStream: typeof EventSourceParserStream
  Headers: typeof Headers
  Request: typeof Request
  Response: typeof Response
  Client: typeof Client
}
export default ferrofetch

// ---------------------------------------------------------------------------
// Long-running streams: retry, progress, eventTimeout, textStream(). Merged
// into the declarations above (interface merging), kept together here.

/** `retry`, in ky's and got's vocabulary. Off unless `limit` > 0. */
export interface RetryOptions {
  /** Retries after the first attempt (default 0: none, as Node's fetch). */
  limit?: number
  /** Methods retried (default GET, PUT, HEAD, DELETE, OPTIONS, TRACE; case-insensitive). */
  methods?: string[]
  /** Statuses retried (default 408, 413, 429, 500, 502, 503, 504). */
  statusCodes?: number[]
  /** Statuses whose `Retry-After` (seconds or a date) is honoured (default 413, 429, 503). */
  afterStatusCodes?: number[]
  /** The longest `Retry-After` wait honoured (ms): a longer one waits this long (default Infinity). */
  maxRetryAfter?: number
  /** Upper limit of the backoff between attempts, ms (default Infinity). */
  backoffLimit?: number
  /** Backoff before retry `attemptCount` (from 1), ms (default 0.3 s doubling). */
  delay?: (attemptCount: number) => number
  /** Randomize the backoff: true (default) waits anywhere in [0, delay]; a function maps the delay. */
  jitter?: boolean | ((delay: number) => number)
}

/** A progress report, in ky's shape. */
export interface Progress {
  /** 0 to 1; 0 until the end when the total is unknown; 1 on the last call. */
  percent: number
  /** Bytes so far: taken by the connection (upload) or delivered to the reader, decoded (download). */
  transferredBytes: number
  /** The body's length, 0 when unknown. */
  totalBytes: number
}

export interface FetchInit {
  /**
   * Extension: retry failed attempts (network errors before the response head,
   * `retry.statusCodes`); a number is the limit. A streamed body is never
   * retried; bytes and Blob bodies are sent again. `timeout` spans all attempts.
   */
  retry?: number | RetryOptions
  /** Extension: reports of the request body taken by the connection (coalesced, ~16 ms). A throw fails the request. */
  onUploadProgress?: (progress: Progress) => void
  /** Extension: reports of the response body delivered (coalesced, ~16 ms). A throw fails the request. */
  onDownloadProgress?: (progress: Progress) => void
}

export interface ClientOptions {
  /** Default `retry` of the client's requests. */
  retry?: number | RetryOptions
  /** Default `eventTimeout` of the client's event streams (events() and its responses' events()). */
  eventTimeout?: number
}

export interface EventsInit {
  /**
   * Longest time (ms) between two events; comments and retry-only blocks do
   * not count. When it runs out the stream reconnects (with Last-Event-ID).
   */
  eventTimeout?: number
}

/** response.events()'s options. */
export interface ResponseEventsOptions extends EventSizeLimit {
  /**
   * Longest time (ms) between two events: then the iterator rejects with a
   * `DOMException` named `TimeoutError` (`cause.code` ERR_FF_EVENT_TIMEOUT)
   * and the connection is closed. `0` or `null` turns a Client default off.
   */
  eventTimeout?: number | null
}

export interface Response extends Body {
  /** The body decoded as UTF-8 as it arrives (BOM stripped, U+FFFD for bad bytes); async-iterable. */
  textStream (): ReadableStream<string> & AsyncIterable<string>
  /**
   * Extension: the body parsed as Server-Sent Events (HTML §9.2), once,
   * without reconnection. A fetched body is parsed in Rust.
   */
  events (options?: ResponseEventsOptions): ServerSentEventIterator
}

export interface Request extends Body {
  /** The body decoded as UTF-8 as it arrives; async-iterable. */
  textStream (): ReadableStream<string> & AsyncIterable<string>
}
