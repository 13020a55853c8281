'use strict'
// ferrofetch: Web-standard fetch for Node.js with a Rust core.
const { Headers } = require('./lib/headers')
const { Request } = require('./lib/request')
const { Response } = require('./lib/response')
const { Client, fetch, upload, events } = require('./lib/client')
const { EventStreamError } = require('./lib/events')
const { EventSource, ErrorEvent } = require('./lib/eventsource')
const { createParser, ParseError, EventSourceParserStream } = require('./lib/parser')

module.exports = {
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
}
