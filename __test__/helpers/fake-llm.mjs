// A loopback server that speaks enough of the OpenAI API (chat completions,
// responses) and the Anthropic API (messages) for the SDKs' clients: JSON
// answers, Server-Sent Event streams, scripted failures. It records every
// request and whether the client closed the connection before the answer
// ended, which is what the differential tests compare.
import { httpServer, readBody } from './servers.mjs'
import { within } from './differential.mjs'

/** The tokens every answer carries, in order. */
export const TOKENS = ['Hel', 'lo', ', ', 'wor', 'ld']

/**
 * Starts the server. `plan` scripts the first requests, one step each; a
 * request beyond the plan gets 'ok'. Steps:
 * - 'ok': a normal answer (streamed when the request body says `stream: true`);
 * - { status, retryAfterMs }: an API error with that status (and a
 *   `retry-after-ms` header when given, so that SDK retries wait that long);
 * - 'hang': the head never comes (for timeouts);
 * - 'stall': a stream that sends its first token and then waits for the
 *   client to go away (for aborts mid-stream).
 * @returns {Promise<{ url: string, requests: object[], arrived: (n: number) => Promise<void>, closedEarly: (n: number) => Promise<boolean> }>}
 */
export async function fakeLlmServer (t, plan = []) {
  const requests = []
  const earlyClose = []
  const waiters = []
  const server = await httpServer(t, async (req, res) => {
    const n = requests.length
    const raw = (await readBody(req)).toString()
    const body = raw === '' ? null : JSON.parse(raw)
    requests.push({ method: req.method, path: req.url, headers: req.headers, body })
    for (const w of waiters.filter((w) => requests.length >= w.n)) w.resolve()
    // Whether the client went away before the answer was complete.
    earlyClose[n] = new Promise((resolve) => {
      res.on('close', () => resolve(!res.writableFinished))
    })
    const step = plan[n] ?? 'ok'
    if (step === 'hang') return
    if (typeof step === 'object') return apiError(req, res, step)
    const api = apiOf(req.url)
    if (api === null) {
      res.writeHead(404, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ error: { message: `no route ${req.url}`, type: 'invalid_request_error' } }))
    }
    if (body?.stream === true) return stream(res, api, body, step === 'stall')
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_${n}` })
    res.end(JSON.stringify(api.whole(body)))
  })
  return {
    url: server.url,
    requests,
    /** Resolves once `n` requests have arrived (their bodies read). */
    arrived: (n) => requests.length >= n
      ? Promise.resolve()
      : new Promise((resolve) => waiters.push({ n, resolve })),
    /**
     * Resolves with whether request `n` (0-based) was closed before its
     * answer ended ('still open' if it is not closed within a bound).
     */
    closedEarly: (n) => within(earlyClose[n] ?? Promise.resolve(false))
  }
}

function apiError (req, res, { status, retryAfterMs }) {
  const head = { 'content-type': 'application/json' }
  if (retryAfterMs !== undefined) head['retry-after-ms'] = String(retryAfterMs)
  res.writeHead(status, head)
  if (req.url.startsWith('/v1/messages')) {
    res.end(JSON.stringify({ type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'api_error', message: `status ${status}` } }))
  } else {
    res.end(JSON.stringify({ error: { message: `status ${status}`, type: 'server_error', code: null } }))
  }
}

async function stream (res, api, body, stall) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  const frames = api.frames(body)
  // One write per frame, so that each token reaches the client on its own.
  for (const [i, frame] of frames.entries()) {
    if (res.destroyed) return
    res.write(frame)
    if (stall && i === api.firstTokenFrame) return // keep the stream open until the client leaves
    await new Promise((resolve) => setImmediate(resolve))
  }
  res.end()
}

const sse = (data, event) => (event ? `event: ${event}\n` : '') + `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`

const CREATED = 1700000000

// OpenAI chat completions.
const chat = {
  whole: (body) => ({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: CREATED,
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: TOKENS.join(''), refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: TOKENS.length, total_tokens: 3 + TOKENS.length }
  }),
  firstTokenFrame: 1,
  frames: (body) => {
    const chunk = (delta, finish = null) => ({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: CREATED,
      model: body.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }]
    })
    return [
      sse(chunk({ role: 'assistant', content: '' })),
      ...TOKENS.map((content) => sse(chunk({ content }))),
      sse(chunk({}, 'stop')),
      sse({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: CREATED, model: body.model, choices: [], usage: { prompt_tokens: 3, completion_tokens: TOKENS.length, total_tokens: 3 + TOKENS.length } }),
      sse('[DONE]')
    ]
  }
}

// OpenAI responses.
const responseObject = (body, status, text) => ({
  id: 'resp_1',
  object: 'response',
  created_at: CREATED,
  status,
  model: body.model,
  output: text === null
    ? []
    : [{ id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] }],
  usage: { input_tokens: 3, output_tokens: TOKENS.length, total_tokens: 3 + TOKENS.length }
})
const responses = {
  whole: (body) => responseObject(body, 'completed', TOKENS.join('')),
  firstTokenFrame: 1,
  frames: (body) => {
    let seq = 0
    const ev = (type, fields) => sse({ type, sequence_number: seq++, ...fields }, type)
    return [
      ev('response.created', { response: responseObject(body, 'in_progress', null) }),
      ...TOKENS.map((delta) => ev('response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta })),
      ev('response.output_text.done', { item_id: 'msg_1', output_index: 0, content_index: 0, text: TOKENS.join('') }),
      ev('response.completed', { response: responseObject(body, 'completed', TOKENS.join('')) })
    ]
  }
}

// Anthropic messages.
const messageObject = (body, content, stop) => ({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: body.model,
  content,
  stop_reason: stop,
  stop_sequence: null,
  usage: { input_tokens: 3, output_tokens: TOKENS.length }
})
const messages = {
  whole: (body) => messageObject(body, [{ type: 'text', text: TOKENS.join('') }], 'end_turn'),
  firstTokenFrame: 2,
  frames: (body) => [
    sse({ type: 'message_start', message: messageObject(body, [], null) }, 'message_start'),
    sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
    ...TOKENS.map((text) => sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, 'content_block_delta')),
    sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
    sse({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: TOKENS.length } }, 'message_delta'),
    sse({ type: 'message_stop' }, 'message_stop')
  ]
}

function apiOf (path) {
  if (path.startsWith('/v1/chat/completions')) return chat
  if (path.startsWith('/v1/responses')) return responses
  if (path.startsWith('/v1/messages')) return messages
  return null
}
