// createParser's typings against eventsource-parser 4.1's own: code typed
// for eventsource-parser must accept ferrofetch's parser and the other way
// round (compiled by `npm run test:types`; @ts-expect-error lines fail the
// build if the error they expect goes away).
import {
  createParser, ParseError, EventSourceParserStream,
  type ErrorType, type EventSourceMessage, type EventSourceParser, type ParserCallbacks, type ParserConfig,
  type StreamOptions
} from '../../index.js'
import type * as Reference from 'eventsource-parser'
import type { StreamOptions as ReferenceStreamOptions } from 'eventsource-parser/stream'

// Mutually assignable: the same shapes.
const toReference = {
  message: (m: EventSourceMessage): Reference.EventSourceMessage => m,
  callbacks: (c: ParserCallbacks): Reference.ParserCallbacks => c,
  config: (c: ParserConfig): Reference.ParserConfig => c,
  parser: (p: EventSourceParser): Reference.EventSourceParser => p,
  errorType: (t: ErrorType): Reference.ErrorType => t,
  error: (e: ParseError): Reference.ParseError => e,
  stream: (o: StreamOptions): ReferenceStreamOptions => o
}
const fromReference = {
  message: (m: Reference.EventSourceMessage): EventSourceMessage => m,
  callbacks: (c: Reference.ParserCallbacks): ParserCallbacks => c,
  config: (c: Reference.ParserConfig): ParserConfig => c,
  errorType: (t: Reference.ErrorType): ErrorType => t,
  error: (e: Reference.ParseError): ParseError => e,
  stream: (o: ReferenceStreamOptions): StreamOptions => o
}

function usage (): void {
  let lastEventId = ''
  const parser = createParser({
    onId (id) { lastEventId = id },
    onEvent (event) { void [event.id, event.event, event.data] },
    onError (error) { if (error.type === 'unknown-field') void [error.field, error.value, error.line] },
    maxBufferSize: 1024
  })
  parser.feed('data: x\n\n')
  parser.feed(new Uint8Array([10]))
  parser.reset({ consume: true })
  const message: EventSourceMessage = { data: 'no id or event needed' }
  const error = new ParseError('m', { type: 'max-buffer-size-exceeded' })
  const stream = new EventSourceParserStream({ onId: (id) => void id, onError: 'terminate', maxBufferSize: 1 << 20 })
  void [lastEventId, message, error, stream, toReference, fromReference]

  // @ts-expect-error error types are a closed set
  void new ParseError('m', { type: 'bad-line' })
  // @ts-expect-error onId gets the id string
  createParser({ onId: (id: number) => void id })
  // @ts-expect-error a stream's onError is a function or 'terminate'
  void new EventSourceParserStream({ onError: 'ignore' })
}
void usage
