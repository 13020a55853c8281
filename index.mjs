// ESM entry: the same objects as the CommonJS entry, so instanceof and the
// default client are shared whichever way the package is loaded.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const ferrofetch = require('./index.js')

export const {
  fetch,
  upload,
  events,
  Headers,
  Request,
  Response,
  Client,
  EventSource,
  ErrorEvent,
  EventStreamError,
  createParser,
  ParseError,
  EventSourceParserStream
} = ferrofetch
export default ferrofetch
