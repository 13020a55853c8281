'use strict'
// Every stable error code ferrofetch shows a program, listed once. Messages
// are not API; these codes are. index.d.ts (`FetchErrorCode`,
// `EventStreamError['code']`) and the README's tables list them for users,
// and __test__/error-codes.spec.mjs fails when any of those lists, the Rust
// core's `codes` module (crates/core/src/error.rs) or a code written
// anywhere else in lib/ disagrees with this file.

/**
 * Codes the Rust core creates, under the names of its `codes` module, that
 * reach a program as `cause.code` (errors.js `fromNative`).
 */
const CORE = Object.freeze({
  ECONNREFUSED: 'ECONNREFUSED',
  ENOTFOUND: 'ENOTFOUND',
  ECONNRESET: 'ECONNRESET',
  CONNECT: 'ERR_FF_CONNECT',
  TLS: 'ERR_FF_TLS',
  PROTOCOL: 'ERR_FF_PROTOCOL',
  INCOMPLETE_BODY: 'ERR_FF_INCOMPLETE_BODY',
  UNEXPECTED_REDIRECT: 'ERR_FF_UNEXPECTED_REDIRECT',
  TOO_MANY_REDIRECTS: 'ERR_FF_TOO_MANY_REDIRECTS',
  BAD_REDIRECT: 'ERR_FF_BAD_REDIRECT',
  DECODE: 'ERR_FF_DECODE',
  TIMEOUT: 'ERR_FF_TIMEOUT',
  CONNECT_TIMEOUT: 'ERR_FF_CONNECT_TIMEOUT',
  READ_TIMEOUT: 'ERR_FF_READ_TIMEOUT',
  EVENT_TIMEOUT: 'ERR_FF_EVENT_TIMEOUT',
  CLIENT_CLOSED: 'ERR_FF_CLIENT_CLOSED',
  NETWORK: 'ERR_FF_NETWORK',
  UPLOAD_FAILED: 'ERR_FF_UPLOAD_FAILED',
  INTERNAL: 'ERR_FF_INTERNAL'
})

/**
 * Codes the Rust core creates that never reach a program: errors.js turns
 * an abort into the signal's reason (as undici does) and an invalid
 * argument into a bare TypeError (Fetch's, which has no cause).
 */
const CORE_UNEXPOSED = Object.freeze({
  ABORTED: 'ERR_FF_ABORTED',
  INVALID_ARG: 'ERR_FF_INVALID_ARG'
})

/** Codes the JS layer creates on `cause.code`. */
const JS = Object.freeze({
  UNSUPPORTED_SCHEME: 'ERR_FF_UNSUPPORTED_SCHEME',
  DATA_URL: 'ERR_FF_DATA_URL',
  BLOB_URL: 'ERR_FF_BLOB_URL',
  INTEGRITY: 'ERR_FF_INTEGRITY',
  SSE_TOO_LARGE: 'ERR_FF_SSE_TOO_LARGE'
})

/** The `code` of an EventStreamError (events.js), on the error itself. */
const EVENT_STREAM = Object.freeze({
  SSE_STATUS: 'ERR_FF_SSE_STATUS',
  SSE_CONTENT_TYPE: 'ERR_FF_SSE_CONTENT_TYPE'
})

/** The `code` of the Error that loading the package throws when no addon loads (native.js). */
const LOADER = Object.freeze({
  NATIVE_NOT_FOUND: 'ERR_FF_NATIVE_NOT_FOUND'
})

/** Every code a program can meet, by name, for the sites that create one. */
const codes = Object.freeze({ ...CORE, ...JS, ...EVENT_STREAM, ...LOADER })

module.exports = { codes, CORE, CORE_UNEXPOSED, JS, EVENT_STREAM, LOADER }
