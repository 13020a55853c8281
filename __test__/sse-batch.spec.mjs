// The text batch across the boundary: one table of tags (the binding's),
// one decoder (lib/sse-batch.js).
import test from 'ava'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { binding } = require('../lib/native.js')
const { decodeBatch, TAGS } = require('../lib/sse-batch.js')

/** A sink that records each call as [method, ...args]. */
function recorder () {
  const calls = []
  const sink = new Proxy({}, {
    get: (_, name) => (...args) => { calls.push([name, ...args]) }
  })
  return { calls, sink }
}

test('the tags are the binding\'s, one character each, all distinct', (t) => {
  const native = binding.sseBatchTags()
  t.deepEqual(TAGS, native)
  const tags = Object.values(native)
  t.true(tags.every((tag) => tag.length === 1))
  t.is(new Set(tags).size, tags.length)
  t.deepEqual(Object.keys(native).sort(), ['comment', 'end', 'event', 'failed', 'id', 'notice', 'retry', 'tooLarge'])
})

test('the decoder calls, for each tag the binding defines, the sink method of that name', (t) => {
  for (const [name, tag] of Object.entries(binding.sseBatchTags())) {
    const { calls, sink } = recorder()
    decodeBatch(`${tag}\ra\rb\rc\r`, sink)
    t.is(calls.length, 1, name)
    t.is(calls[0][0], name)
  }
})

test('a native parser\'s batch decodes to its items in stream order', (t) => {
  const parser = new binding.NativeSseParser(null, true)
  const { calls, sink } = recorder()
  decodeBatch(parser.feedText(': hi\nretry: 5\nfoo: bar\nid: 1\nevent: e\ndata: a\ndata: b\n\nid:\ndata: c\n\ndata: d\n\n'), sink)
  t.deepEqual(calls, [
    ['comment', 'hi'],
    ['retry', '5'],
    ['notice', 'unknown-field', 'bar', 'foo'],
    ['id', '1'],
    ['event', 'e', 'a\nb', '1'],
    ['id', ''],
    // A present but empty block id is a single LF; an absent one is empty.
    ['event', '', 'c', '\n'],
    ['event', '', 'd', '']
  ])
})

test('a native parser without block ids ends a batch with the changed last event ID', (t) => {
  const parser = new binding.NativeSseParser(null, false, 'resumed')
  const { calls, sink } = recorder()
  decodeBatch(parser.feedText('data: a\n\nid: 2\n\n'), sink)
  decodeBatch(parser.feedText('data: b\n\n'), sink)
  t.deepEqual(calls, [
    ['event', '', 'a', 'resumed'],
    ['id', '2'],
    ['event', '', 'b', '2']
  ])
})

test('an over-size line is the last item, after the events before it', (t) => {
  const parser = new binding.NativeSseParser(16, false)
  const { calls, sink } = recorder()
  decodeBatch(parser.feedText(`data: a\n\ndata: ${'x'.repeat(64)}\n\n`), sink)
  t.deepEqual(calls.map((c) => c[0]), ['event', 'tooLarge'])
  t.is(calls[0][2], 'a')
})
