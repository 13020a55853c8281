'use strict'
// ferrofetch: Web-standard fetch for Node.js with a Rust core.
const { Headers } = require('./lib/headers')
const { Request } = require('./lib/request')
const { Response } = require('./lib/response')
const { Client, fetch, upload } = require('./lib/client')

module.exports = { fetch, upload, Headers, Request, Response, Client }
