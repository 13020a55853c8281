// The Anthropic SDK with `fetch: ferrofetch.fetch` (its documented client
// option) against a loopback server that speaks the Messages API; each
// scenario runs with Node's fetch and with ferrofetch's and must match.
import test from 'ava'
import Anthropic from '@anthropic-ai/sdk'
import { fakeLlmServer, TOKENS } from './helpers/fake-llm.mjs'
import { runBoth, describeError } from './helpers/differential.mjs'

const message = (extra = {}) => ({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], ...extra })

function scenario (t, { plan = [], options = {}, call }) {
  return async (fetch) => {
    const server = await fakeLlmServer(t, plan)
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: server.url, fetch, ...options })
    const tokens = []
    let error = null
    try {
      await call(client, tokens)
    } catch (err) {
      error = err
    }
    const closedEarly = await Promise.all(server.requests.map((_, i) => server.closedEarly(i)))
    return { tokens, error: describeError(error), requests: server.requests.length, closedEarly }
  }
}

async function same (t, options) {
  const { node, ferrofetch } = await runBoth(scenario(t, options))
  t.deepEqual(ferrofetch, node)
  return ferrofetch
}

test('Anthropic message: the same text as with Node fetch', async (t) => {
  const seen = await same(t, {
    call: async (client, tokens) => {
      const msg = await client.messages.create(message())
      tokens.push(msg.content[0].text)
    }
  })
  t.deepEqual(seen.tokens, [TOKENS.join('')])
})

test('Anthropic streamed message: the same text deltas as with Node fetch', async (t) => {
  const seen = await same(t, {
    call: async (client, tokens) => {
      const stream = await client.messages.create(message({ stream: true }))
      for await (const event of stream) {
        if (event.type === 'content_block_delta') tokens.push(event.delta.text)
      }
    }
  })
  t.deepEqual(seen.tokens, TOKENS)
})

test('Anthropic messages.stream() helper: the same deltas and final message as with Node fetch', async (t) => {
  const seen = await same(t, {
    call: async (client, tokens) => {
      const stream = client.messages.stream(message())
      stream.on('text', (delta) => tokens.push(delta))
      const final = await stream.finalMessage()
      tokens.push(final.content[0].text, final.stop_reason)
    }
  })
  t.deepEqual(seen.tokens, [...TOKENS, TOKENS.join(''), 'end_turn'])
})

test('Anthropic 429 then 500: retried to the same answer with the same requests as with Node fetch', async (t) => {
  const seen = await same(t, {
    plan: [{ status: 429, retryAfterMs: 1 }, { status: 500, retryAfterMs: 1 }],
    options: { maxRetries: 2 },
    call: async (client, tokens) => {
      const msg = await client.messages.create(message())
      tokens.push(msg.content[0].text)
    }
  })
  t.is(seen.requests, 3)
})

test('Anthropic abort mid-stream: the same tokens and the connection closed, as with Node fetch', async (t) => {
  const seen = await same(t, {
    plan: ['stall'],
    call: async (client, tokens) => {
      const stream = await client.messages.create(message({ stream: true }))
      for await (const event of stream) {
        if (event.type === 'content_block_delta') {
          tokens.push(event.delta.text)
          stream.controller.abort()
        }
      }
    }
  })
  t.deepEqual(seen.tokens, [TOKENS[0]])
  t.deepEqual(seen.closedEarly, [true])
})
