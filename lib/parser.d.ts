// Type definitions of eventsource-parser 4.1's API (lib/parser.js),
// re-exported by index.d.ts, the package's typings entry; hand-written like it.

/**
 * An event as eventsource-parser reports it: `event` and `id` are those of
 * the event's own block, undefined when it set none.
 */
export interface EventSourceMessage {
  event?: string | undefined
  id?: string | undefined
  data: string
}

/** The kinds of ParseError, eventsource-parser's `ErrorType`. */
export type ErrorType = 'invalid-retry' | 'unknown-field' | 'max-buffer-size-exceeded'

/** eventsource-parser's ParseError, reported to `onError`. */
export declare class ParseError extends Error {
  constructor (message: string, options: { type: ErrorType, field?: string, value?: string, line?: string })
  type: ErrorType
  /** The field name of a completed unknown field. */
  field?: string | undefined
  /** The field value of a completed unknown field, or the invalid retry value. */
  value?: string | undefined
  /** The whole offending line, when there is one. */
  line?: string | undefined
}

/** eventsource-parser 4.1's callbacks. */
export interface ParserCallbacks {
  /**
   * A blank line ended a block with a valid `id` field (with or without
   * `data`): its value, empty for an empty field; called before `onEvent`.
   */
  onId?: ((id: string) => void) | undefined
  onEvent?: ((event: EventSourceMessage) => void) | undefined
  onRetry?: ((retry: number) => void) | undefined
  /** The text after the colon, one leading space removed. */
  onComment?: ((comment: string) => void) | undefined
  /**
   * Unknown fields and invalid retry values of completed lines, and
   * `max-buffer-size-exceeded` (after which `feed` throws until `reset`).
   * Unterminated lines that cannot become a field are dropped silently.
   */
  onError?: ((error: ParseError) => void) | undefined
}

/** createParser's argument: the callbacks and the buffer limit. */
export interface ParserConfig extends ParserCallbacks {
  /**
   * Limit for one pending line and for one event's data, counted in UTF-8
   * bytes (eventsource-parser counts characters); default 16 MiB.
   */
  maxBufferSize?: number | undefined
}

export interface EventSourceParser {
  /** Text, or as an extension bytes (decoded as UTF-8, as a TextDecoderStream would). */
  feed (chunk: string | Uint8Array): void
  /**
   * Back to stream start; with `consume`, the pending line is read as if
   * complete first (a line already discarded as invalid reports nothing).
   */
  reset (options?: { consume?: boolean }): void
}

/** eventsource-parser 4.1's createParser, backed by the Rust parser. */
export declare function createParser (config: ParserConfig): EventSourceParser

/** Options of EventSourceParserStream: createParser's, with `onError` also `'terminate'`. */
export interface StreamOptions {
  onId?: ((id: string) => void) | undefined
  /** `'terminate'` errors the stream on any parse error; an overflow always does. */
  onError?: ('terminate' | ((error: Error) => void)) | undefined
  onRetry?: ((retry: number) => void) | undefined
  onComment?: ((comment: string) => void) | undefined
  maxBufferSize?: number | undefined
}

/** eventsource-parser's stream adapter: text in, events out. */
export declare class EventSourceParserStream extends TransformStream<string, EventSourceMessage> {
  constructor (options?: StreamOptions)
}
