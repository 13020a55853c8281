// The Vercel AI SDK (`ai` + `@ai-sdk/openai`) with `fetch: ferrofetch.fetch`
// (the provider's documented option): streamText and generateText against a
// loopback server speaking OpenAI's chat completions, run with Node's fetch
// and with ferrofetch's and compared.
import test from 'ava'
import { streamText, generateText } from 'ai'
import { createOpenAI } from '@ai-sdk/openai'
import { fakeLlmServer, TOKENS } from './helpers/fake-llm.mjs'
import { runBoth, describeError } from './helpers/differential.mjs'

function scenario (t, { plan = [], call }) {
  return async (fetch) => {
    const server = await fakeLlmServer(t, plan)
    const provider = createOpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, fetch })
    const tokens = []
    let error = null
    try {
      await call(provider.chat('gpt-test'), tokens)
    } catch (err) {
      error = err
    }
    const closedEarly = await Promise.all(server.requests.map((_, i) => server.closedEarly(i)))
    return { tokens, error: describeError(error, 0), requests: server.requests.length, closedEarly }
  }
}

async function same (t, options) {
  const { node, ferrofetch } = await runBoth(scenario(t, options))
  t.deepEqual(ferrofetch, node)
  return ferrofetch
}

test('AI SDK streamText: the same text stream, finish reason and usage as with Node fetch', async (t) => {
  const seen = await same(t, {
    call: async (model, tokens) => {
      const result = streamText({ model, prompt: 'hi', onError: ({ error }) => { throw error } })
      for await (const delta of result.textStream) tokens.push(delta)
      tokens.push(await result.finishReason, (await result.usage).outputTokens)
    }
  })
  t.deepEqual(seen.tokens, [...TOKENS, 'stop', TOKENS.length])
})

test('AI SDK generateText: the same text as with Node fetch', async (t) => {
  const seen = await same(t, {
    call: async (model, tokens) => {
      const { text } = await generateText({ model, prompt: 'hi' })
      tokens.push(text)
    }
  })
  t.deepEqual(seen.tokens, [TOKENS.join('')])
})

test('AI SDK generateText after a 429: retried, the same requests and text as with Node fetch', async (t) => {
  const seen = await same(t, {
    plan: [{ status: 429, retryAfterMs: 1 }],
    call: async (model, tokens) => {
      const { text } = await generateText({ model, prompt: 'hi', maxRetries: 1 })
      tokens.push(text)
    }
  })
  t.is(seen.requests, 2)
})

test('AI SDK streamText aborted mid-stream: the same text so far and the connection closed, as with Node fetch', async (t) => {
  const seen = await same(t, {
    plan: ['stall'],
    call: async (model, tokens) => {
      const controller = new AbortController()
      const result = streamText({ model, prompt: 'hi', abortSignal: controller.signal, onError: () => {} })
      for await (const delta of result.textStream) {
        tokens.push(delta)
        controller.abort()
      }
    }
  })
  t.deepEqual(seen.tokens, [TOKENS[0]])
  t.deepEqual(seen.closedEarly, [true])
})
