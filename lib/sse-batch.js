'use strict'
// The one decoder of the text batches in which parsed events cross from
// Rust (the encoding: crates/sse/src/batch.rs). Items are
// `tag CR a CR b CR c CR`; the tags come from the binding, so the two sides
// share one table.

const { binding } = require('./native')

const TAGS = binding.sseBatchTags()
const EVENT = TAGS.event.charCodeAt(0)
const RETRY = TAGS.retry.charCodeAt(0)
const COMMENT = TAGS.comment.charCodeAt(0)
const LAST_EVENT_ID = TAGS.id.charCodeAt(0)
const NOTICE = TAGS.notice.charCodeAt(0)
const TOO_LARGE = TAGS.tooLarge.charCodeAt(0)
const END = TAGS.end.charCodeAt(0)
const FAILED = TAGS.failed.charCodeAt(0)

/** A block-ids event's id when its block had an empty `id` field. */
const EMPTY_ID = '\n'

/**
 * Calls `sink` for each item of `text`, in order:
 * - `event(type, data, id)`: `type` empty when absent (the spec's
 *   'message'); `id` empty when absent, and from a block-ids parser
 *   EMPTY_ID when the block's `id` field was empty
 * - `retry(digits)`, `comment(text)`, `id(id)` (the last event ID is now `id`)
 * - `notice(kind, value, field)`: kind 'invalid-retry', 'invalid-id',
 *   'unknown-field' (field is its name) or 'incomplete-event'
 * - `tooLarge(message)`: a line or event over the size limit; last
 * - `end()`, `failed()`: the body ended or failed; last
 *
 * @param {string} text
 * @param {object} sink
 */
function decodeBatch (text, sink) {
  // Walked with indexOf rather than split('\r'): no array of every field
  // first, and the one-letter tag is compared as a character code.
  const length = text.length
  let at = 0
  while (at < length) {
    const a = text.indexOf('\r', at)
    const b = text.indexOf('\r', a + 1)
    const c = text.indexOf('\r', b + 1)
    const d = text.indexOf('\r', c + 1)
    if (a < 0 || b < 0 || c < 0 || d < 0) break
    // Every item has three fields; most tags use only the second.
    const second = text.slice(b + 1, c)
    switch (a - at === 1 ? text.charCodeAt(at) : 0) {
      case EVENT:
        sink.event(text.slice(a + 1, b), second, text.slice(c + 1, d))
        break
      case NOTICE:
        sink.notice(text.slice(a + 1, b), second, text.slice(c + 1, d))
        break
      case RETRY:
        sink.retry(second)
        break
      case COMMENT:
        sink.comment(second)
        break
      case LAST_EVENT_ID:
        sink.id(second)
        break
      case TOO_LARGE:
        sink.tooLarge(second)
        break
      case END:
        sink.end()
        break
      case FAILED:
        sink.failed()
        break
    }
    at = d + 1
  }
}

module.exports = { decodeBatch, EMPTY_ID, TAGS }
