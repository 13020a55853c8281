'use strict'
// Validation shared by every option that takes milliseconds.

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

module.exports = { msOption }
