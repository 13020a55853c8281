// events(input): an input that is not an absolute URL is a TypeError thrown
// before any I/O, as fetch() rejects with one (and EventSource throws);
// before, events() retried it forever, neither throwing nor rejecting.
import test from 'ava'
import { events, fetch, Client, Request } from '../index.mjs'
import { SSE_HEAD, sseServer } from './helpers/sse.mjs'

const BAD_INPUTS = [
  ['no URL', undefined],
  ['a number', 123],
  ['a relative URL', '/stream'],
  ['an unparsable URL', 'http://[bad'],
  ['null', null],
  ['an empty string', '']
]

for (const [what, input] of BAD_INPUTS) {
  test(`events() given ${what} throws a TypeError, as fetch() rejects with one`, async (t) => {
    const fetchError = await fetch(input).catch((e) => e)
    t.true(fetchError instanceof TypeError)
    const error = t.throws(() => events(input), { instanceOf: TypeError })
    t.regex(error.message, /Failed to parse URL/)
    // Through a Client too: the same check.
    const client = new Client()
    t.teardown(() => client.close())
    t.throws(() => client.events(input), { instanceOf: TypeError })
  })
}

test('events() given no arguments at all throws a TypeError', (t) => {
  t.throws(() => events(), { instanceOf: TypeError })
})

test('events() accepts a URL object and a Request', async (t) => {
  const server = await sseServer(t, (req, res) => res.writeHead(200, SSE_HEAD).write('data: ok\n\n'))
  for (const input of [new URL(server.url), new Request(server.url)]) {
    const stream = events(input)
    t.teardown(() => stream.close())
    t.is((await stream[Symbol.asyncIterator]().next()).value.data, 'ok', String(input.constructor.name))
    stream.close()
  }
})
