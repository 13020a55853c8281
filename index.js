'use strict'
// ferrofetch: Web-standard fetch for Node.js with a Rust core.
const { Headers } = require('./lib/headers')
const { Request } = require('./lib/request')
const { Response } = require('./lib/response')
const { Client, fetch, upload, events } = require('./lib/client')
const { EventStreamError } = require('./lib/events')

module.exports = {
  fetch,
  upload,
  events,
  Headers,
  Request,
  Response,
  Client,
  EventStreamError
}

// EventSource and the eventsource-parser API load on first access: a
// program that only fetches does not keep their code (and what it keeps
// alive) in its heap. Measured on Node 24, a 1 GiB upload's peak RSS
// grew past the 80 MB bound with them loaded up front (~82.5 MB against
// ~79.5), because the larger live heap made V8 grow its young generation.
function lazy (names, path) {
  for (const name of names) {
    Object.defineProperty(module.exports, name, {
      enumerable: true,
      configurable: true,
      get () {
        const value = require(path)[name]
        Object.defineProperty(module.exports, name, { value, enumerable: true, configurable: true, writable: true })
        return value
      }
    })
  }
}
lazy(['EventSource', 'ErrorEvent'], './lib/eventsource')
lazy(['createParser', 'ParseError', 'EventSourceParserStream'], './lib/parser')
