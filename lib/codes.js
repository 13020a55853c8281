'use strict'
// Every stable error code ferrofetch shows a program, listed once. Messages
// are not API; these codes are. index.d.ts (`FetchErrorCode`,
// `EventStreamError['code']`) and the README's tables list them for users,
// and __test__/error-codes.spec.mjs fails when any of those lists, the Rust
// core's `codes` module (crates/core/src/error.rs) or a code written
// anywhere else in lib/ disagrees with this file.

/**
 * The codes of ferrofetch's own `names`, by name: each code is its name
 * after the prefix `ERR_FF_` (as in the core's `codes` module), so a search
 * for a code finds it here by its name.
 */
function ferrofetchCodes (...names) {
  return Object.fromEntries(names.map((name) => [name, `ERR_FF_${name}`]))
}

/**
 * Codes the Rust core creates, under the names of its `codes` module, that
 * reach a program as `cause.code` (errors.js `fromNative`).
 */
const CORE = Object.freeze({
  ECONNREFUSED: 'ECONNREFUSED',
  ENOTFOUND: 'ENOTFOUND',
  ECONNRESET: 'ECONNRESET',
  ...ferrofetchCodes(
    'CONNECT',
    'TLS',
    'PROTOCOL',
    'INCOMPLETE_BODY',
    'UNEXPECTED_REDIRECT',
    'TOO_MANY_REDIRECTS',
    'BAD_REDIRECT',
    'DECODE',
    'TIMEOUT',
    'CONNECT_TIMEOUT',
    'READ_TIMEOUT',
    'EVENT_TIMEOUT',
    'CLIENT_CLOSED',
    'NETWORK',
    'UPLOAD_FAILED',
    'INTERNAL'
  )
})

/**
 * Codes the Rust core creates that never reach a program: errors.js turns
 * an abort into the signal's reason (as undici does) and an invalid
 * argument into a bare TypeError (Fetch's, which has no cause).
 */
const CORE_UNEXPOSED = Object.freeze(ferrofetchCodes('ABORTED', 'INVALID_ARG'))

/** Codes the JS layer creates on `cause.code`. */
const JS = Object.freeze(ferrofetchCodes('UNSUPPORTED_SCHEME', 'DATA_URL', 'BLOB_URL', 'INTEGRITY', 'SSE_TOO_LARGE'))

/** The `code` of an EventStreamError (events.js), on the error itself. */
const EVENT_STREAM = Object.freeze(ferrofetchCodes('SSE_STATUS', 'SSE_CONTENT_TYPE'))

/** The `code` of the Error that loading the package throws when no addon loads (native.js). */
const LOADER = Object.freeze(ferrofetchCodes('NATIVE_NOT_FOUND'))

/** Every code a program can meet, by name, for the sites that create one. */
const codes = Object.freeze({ ...CORE, ...JS, ...EVENT_STREAM, ...LOADER })

module.exports = { codes, CORE, CORE_UNEXPOSED, JS, EVENT_STREAM, LOADER }
