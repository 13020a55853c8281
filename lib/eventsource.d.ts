// Type definitions of EventSource (lib/eventsource.js), re-exported by
// index.d.ts, the package's typings entry; hand-written like it.

import type { EventSizeLimit, HeadersInit } from '../index.js'

/** EventSource's init: the standard one plus the npm `eventsource` package's and ferrofetch's extensions. */
export interface EventSourceInit extends EventSizeLimit {
  withCredentials?: boolean
  /** A custom fetch (as in the npm `eventsource` package); ferrofetch's own keeps parsing native. */
  fetch?: (input: URL | string, init: any) => Promise<any>
  headers?: HeadersInit
  method?: string
  body?: string | ArrayBuffer | ArrayBufferView | Blob | URLSearchParams | FormData
  /** The npm `eventsource` package's name for `maxSize`: overflowing it fails the connection, no reconnection. */
  maxBufferSize?: number
  /** Longest time (ms) between two events; then `error`, CONNECTING, and a reconnection. */
  eventTimeout?: number
}

/** The error event: carries `message` and `code` (the HTTP status) like the npm `eventsource` package. */
export declare class ErrorEvent extends Event {
  readonly message?: string
  readonly code?: number
  readonly error?: unknown
}

/** WHATWG EventSource (HTML §9.2), with reconnection per the spec. */
export declare class EventSource extends EventTarget {
  constructor (url: string | URL, init?: EventSourceInit)
  static readonly CONNECTING: 0
  static readonly OPEN: 1
  static readonly CLOSED: 2
  readonly CONNECTING: 0
  readonly OPEN: 1
  readonly CLOSED: 2
  readonly url: string
  readonly withCredentials: boolean
  readonly readyState: 0 | 1 | 2
  onopen: ((this: EventSource, ev: Event) => any) | null
  onmessage: ((this: EventSource, ev: MessageEvent) => any) | null
  onerror: ((this: EventSource, ev: ErrorEvent) => any) | null
  close (): void
}
