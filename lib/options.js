'use strict'
// Validation shared by the options that take milliseconds or a byte limit.

/**
 * A duration option in ms: null when absent, else a finite number >= 0.
 * @param {object} options  where the option lives
 * @param {string} name  the option's name, for the error
 * @param {string} context  who takes it, e.g. 'RequestInit' or 'Client'
 */
function msOption (options, name, context) {
  const value = options[name]
  if (value === undefined || value === null) return null
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${context}: '${name}' must be a number of milliseconds`)
  }
  if (value < 0 || !Number.isFinite(value)) {
    throw new RangeError(`${context}: '${name}' must be a finite number >= 0 (got ${value})`)
  }
  return value
}

/**
 * A byte-limit option (`maxSize`, `maxBufferSize`): undefined when absent,
 * else an integer >= 1. Takes the value, not the options object, for callers
 * that have read it already (an option is read once).
 * @param {*} value  the option's value
 * @param {string} name  the option's name, for the error
 * @param {string} context  who takes it, e.g. 'events' or 'EventSource'
 */
function checkByteLimit (value, name, context) {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new RangeError(`${context}: '${name}' must be a positive integer (bytes)`)
  }
  return value
}

module.exports = { msOption, checkByteLimit }
