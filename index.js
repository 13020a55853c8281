'use strict'
// ferrofetch: Web-standard fetch for Node.js with a Rust core.
const { Headers } = require('./lib/headers')
const { Request } = require('./lib/request')
const { Response } = require('./lib/response')
const { Client, fetch, upload, events } = require('./lib/client')
const { EventStreamError } = require('./lib/events')

module.exports = { fetch, upload, events, Headers, Request, Response, Client, EventStreamError }
