// The OpenAI SDK with `fetch: ferrofetch.fetch`, as its README documents,
// against a loopback server that speaks its API. Each test runs the same
// scenario with Node's fetch and with ferrofetch's and compares what the
// program sees (tokens, error classes), what the server saw (requests) and,
// for aborts and timeouts, that the connection was closed.
import test from 'ava'
import OpenAI from 'openai'
import { fakeLlmServer, TOKENS } from './helpers/fake-llm.mjs'
import { runBoth, describeError } from './helpers/differential.mjs'
import { httpServer } from './helpers/servers.mjs'

const MODEL = 'gpt-test'
const chatBody = (extra = {}) => ({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...extra })

/**
 * Runs `call(client, server)` against a fresh server with `plan` and
 * returns what a program and the server observed.
 */
function scenario (t, { plan = [], options = {}, call }) {
  return async (fetch) => {
    const server = await fakeLlmServer(t, plan)
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, fetch, ...options })
    const tokens = []
    let error = null
    try {
      await call(client, tokens, server)
    } catch (err) {
      error = err
    }
    const closedEarly = await Promise.all(server.requests.map((_, i) => server.closedEarly(i)))
    return {
      tokens,
      error: describeError(error),
      requests: server.requests.map((r) => `${r.method} ${r.path} stream=${r.body?.stream === true}`),
      closedEarly
    }
  }
}

async function same (t, options) {
  const { node, ferrofetch } = await runBoth(scenario(t, options))
  t.deepEqual(ferrofetch, node)
  return ferrofetch
}

test('chat completion: the same message as with Node fetch', async (t) => {
  const seen = await same(t, {
    call: async (client, tokens) => {
      const completion = await client.chat.completions.create(chatBody())
      tokens.push(completion.choices[0].message.content)
    }
  })
  t.deepEqual(seen.tokens, [TOKENS.join('')])
})

test('streamed chat completion: the same tokens in the same order as with Node fetch', async (t) => {
  const seen = await same(t, {
    call: async (client, tokens) => {
      const stream = await client.chat.completions.create(chatBody({ stream: true }))
      for await (const chunk of stream) {
        const content = chunk.choices[0]?.delta?.content
        if (content) tokens.push(content)
      }
    }
  })
  t.deepEqual(seen.tokens, TOKENS)
  t.is(seen.error, null)
})

test('streamed chat completion through .stream() helper: the same final content as with Node fetch', async (t) => {
  const seen = await same(t, {
    call: async (client, tokens) => {
      const runner = client.chat.completions.stream(chatBody())
      runner.on('content', (delta) => tokens.push(delta))
      const final = await runner.finalChatCompletion()
      tokens.push(final.choices[0].message.content)
    }
  })
  t.deepEqual(seen.tokens, [...TOKENS, TOKENS.join('')])
})

test('responses API: the same output text as with Node fetch', async (t) => {
  const seen = await same(t, {
    call: async (client, tokens) => {
      const response = await client.responses.create({ model: MODEL, input: 'hi' })
      tokens.push(response.output_text)
    }
  })
  t.deepEqual(seen.tokens, [TOKENS.join('')])
})

test('streamed responses API: the same deltas as with Node fetch', async (t) => {
  const seen = await same(t, {
    call: async (client, tokens) => {
      const stream = await client.responses.create({ model: MODEL, input: 'hi', stream: true })
      for await (const event of stream) {
        if (event.type === 'response.output_text.delta') tokens.push(event.delta)
        if (event.type === 'response.completed') tokens.push(event.response.status)
      }
    }
  })
  t.deepEqual(seen.tokens, [...TOKENS, 'completed'])
})

test('429 then 500 are retried: the same answer after the same three requests as with Node fetch', async (t) => {
  const seen = await same(t, {
    plan: [{ status: 429, retryAfterMs: 1 }, { status: 500, retryAfterMs: 1 }],
    options: { maxRetries: 2 },
    call: async (client, tokens) => {
      const stream = await client.chat.completions.create(chatBody({ stream: true }))
      for await (const chunk of stream) {
        const content = chunk.choices[0]?.delta?.content
        if (content) tokens.push(content)
      }
    }
  })
  t.is(seen.requests.length, 3)
  t.deepEqual(seen.tokens, TOKENS)
})

test('429 past maxRetries: the same RateLimitError after the same requests as with Node fetch', async (t) => {
  const tooMany = { status: 429, retryAfterMs: 1 }
  const seen = await same(t, {
    plan: [tooMany, tooMany, tooMany],
    options: { maxRetries: 2 },
    call: (client) => client.chat.completions.create(chatBody())
  })
  t.is(seen.error.class, 'RateLimitError')
  t.is(seen.error.status, 429)
  t.is(seen.requests.length, 3)
})

test('500 with retries off: the same InternalServerError from one request as with Node fetch', async (t) => {
  const seen = await same(t, {
    plan: [{ status: 500 }],
    options: { maxRetries: 0 },
    call: (client) => client.responses.create({ model: MODEL, input: 'hi' })
  })
  t.is(seen.error.class, 'InternalServerError')
  t.is(seen.requests.length, 1)
})

test('abort mid-stream: the same tokens, the same outcome and the connection closed, as with Node fetch', async (t) => {
  const seen = await same(t, {
    plan: ['stall'],
    call: async (client, tokens) => {
      const controller = new AbortController()
      const stream = await client.chat.completions.create(chatBody({ stream: true }), { signal: controller.signal })
      for await (const chunk of stream) {
        const content = chunk.choices[0]?.delta?.content
        if (content) {
          tokens.push(content)
          controller.abort()
        }
      }
    }
  })
  t.deepEqual(seen.tokens, [TOKENS[0]])
  t.deepEqual(seen.closedEarly, [true])
})

test('stream.controller.abort() on a responses stream: the connection is closed, as with Node fetch', async (t) => {
  const seen = await same(t, {
    plan: ['stall'],
    call: async (client, tokens) => {
      const stream = await client.responses.create({ model: MODEL, input: 'hi', stream: true })
      for await (const event of stream) {
        if (event.type === 'response.output_text.delta') {
          tokens.push(event.delta)
          stream.controller.abort()
        }
      }
    }
  })
  t.deepEqual(seen.tokens, [TOKENS[0]])
  t.deepEqual(seen.closedEarly, [true])
})

test('abort while waiting for the head: the same APIUserAbortError and the connection closed, as with Node fetch', async (t) => {
  const seen = await same(t, {
    plan: ['hang'],
    call: async (client, tokens, server) => {
      const controller = new AbortController()
      const pending = client.chat.completions.create(chatBody(), { signal: controller.signal })
      await server.arrived(1)
      controller.abort()
      await pending
    }
  })
  t.is(seen.error.class, 'APIUserAbortError')
  t.deepEqual(seen.closedEarly, [true])
})

test('timeout: the same APIConnectionTimeoutError after the same retried requests, each closed, as with Node fetch', async (t) => {
  const seen = await same(t, {
    plan: ['hang', 'hang'],
    options: { timeout: 500, maxRetries: 1 },
    call: (client) => client.chat.completions.create(chatBody())
  })
  t.is(seen.error.class, 'APIConnectionTimeoutError')
  t.deepEqual(seen.closedEarly, [true, true])
})

test('connection refused: the same APIConnectionError with a TypeError cause as with Node fetch', async (t) => {
  // A port that was just free: listen, take the port, close.
  const { port, server } = await httpServer(t, () => {})
  await new Promise((resolve) => server.close(resolve))
  const run = async (fetch) => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${port}/v1`, fetch, maxRetries: 0 })
    try {
      await client.chat.completions.create(chatBody())
      return null
    } catch (err) {
      return describeError(err)
    }
  }
  const { node, ferrofetch } = await runBoth(run)
  t.deepEqual(ferrofetch, node)
  t.is(ferrofetch.class, 'APIConnectionError')
  t.is(ferrofetch.cause.class, 'TypeError')
})
