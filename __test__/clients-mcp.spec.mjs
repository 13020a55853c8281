// The MCP SDK's Streamable HTTP client with `fetch: ferrofetch.fetch` (its
// StreamableHTTPClientTransport option), against the SDK's own server
// transport (McpServer + StreamableHTTPServerTransport) on 127.0.0.1. The
// same session runs with Node's fetch and with ferrofetch's; the tools
// listed, the results, the errors and the requests the server saw must match.
import test from 'ava'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import * as z from 'zod'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { within, runBoth, describeError } from './helpers/differential.mjs'
import { httpServer } from './helpers/servers.mjs'

/** An MCP server with two tools; every HTTP request it gets is recorded. */
async function mcpServer (t) {
  const mcp = new McpServer({ name: 'loopback', version: '1.0.0' }, { capabilities: { logging: {} } })
  mcp.registerTool('echo', {
    description: 'Echoes its text, upper-cased',
    inputSchema: { text: z.string() }
  }, async ({ text }, extra) => {
    // A notification on the POST's event stream before the result.
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: `echo ${text}` } })
    return { content: [{ type: 'text', text: text.toUpperCase() }] }
  })
  mcp.registerTool('fail', { description: 'Always fails' }, async () => {
    throw new Error('tool failed on purpose')
  })
  // Answers only when the client cancels the call (notifications/cancelled
  // aborts extra.signal), or after a bound so that a test cannot hang.
  let waitStarted
  const waiting = new Promise((resolve) => { waitStarted = resolve })
  mcp.registerTool('wait', { description: 'Waits for cancellation' }, async (_args, extra) => {
    waitStarted()
    await new Promise((resolve) => {
      const bound = setTimeout(resolve, 20_000)
      extra.signal.addEventListener('abort', () => { clearTimeout(bound); resolve() }, { once: true })
    })
    return { content: [{ type: 'text', text: extra.signal.aborted ? 'cancelled' : 'not cancelled' }] }
  })
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() })
  await mcp.connect(transport)
  const requests = []
  const answered = []
  const streamSockets = []
  const server = await httpServer(t, (req, res) => {
    requests.push(req.method)
    answered.push(once(res, 'close'))
    // The standalone GET event stream never ends from the server's side
    // unless the session does: only the client can close its connection.
    if (req.method === 'GET') streamSockets.push(once(req.socket, 'close').then(() => 'closed'))
    transport.handleRequest(req, res).catch((err) => res.destroy(err))
  })
  t.teardown(() => mcp.close())
  return { url: `${server.url}/mcp`, requests, answered, streamSockets, waiting }
}

/**
 * Connects a client (through `fetch`) to a fresh server, runs `steps(client,
 * transport)`, closes the client (after ending the session when `terminate`)
 * and returns what the steps returned with what the server saw.
 */
function session (t, { terminate, steps }) {
  return async (fetch) => {
    const server = await mcpServer(t)
    const client = new Client({ name: 'differential', version: '1.0.0' })
    const notifications = []
    client.fallbackNotificationHandler = async (n) => { notifications.push(n.params?.data) }
    const transport = new StreamableHTTPClientTransport(new URL(server.url), { fetch })
    await client.connect(transport)
    const observed = await steps(client, server)
    if (terminate) await transport.terminateSession()
    await client.close()
    // Every exchange is over, the standalone GET stream included.
    await Promise.all(server.answered.map((answered) => within(answered)))
    // Whether the client closed the GET stream's connection; bounded, and
    // only asked when the session was left open (ending it closes the
    // stream cleanly and the connection may stay in the pool).
    const streamConnections = terminate
      ? null
      : await Promise.all(server.streamSockets.map((closed) => within(closed)))
    return {
      ...observed,
      notifications,
      requests: [...server.requests].sort(),
      streamConnections
    }
  }
}

/** Lists the tools and calls each: a result, a tool error, an unknown tool. */
async function listAndCall (client) {
  const tools = (await client.listTools()).tools.map((tool) => [tool.name, tool.description, Object.keys(tool.inputSchema.properties ?? {})])
  const echoed = await client.callTool({ name: 'echo', arguments: { text: 'ferro' } })
  const failed = await client.callTool({ name: 'fail', arguments: {} })
  let unknown
  try {
    unknown = await client.callTool({ name: 'no-such-tool', arguments: {} })
  } catch (err) {
    unknown = describeError(err, 0)
  }
  return { tools, echoed, failed, unknown }
}

test('MCP Streamable HTTP client: the same tools, results, errors and requests as with Node fetch', async (t) => {
  const { node, ferrofetch } = await runBoth(session(t, { terminate: true, steps: listAndCall }))
  t.deepEqual(ferrofetch, node)
  t.deepEqual(ferrofetch.tools.map(([name]) => name).sort(), ['echo', 'fail', 'wait'])
  t.deepEqual(ferrofetch.echoed.content, [{ type: 'text', text: 'FERRO' }])
  t.true(ferrofetch.failed.isError)
  t.deepEqual(ferrofetch.notifications, ['echo ferro'])
  t.true(ferrofetch.requests.includes('DELETE'))
})

test('MCP client closed without ending the session: its standalone event stream is closed, as with Node fetch', async (t) => {
  const { node, ferrofetch } = await runBoth(session(t, { terminate: false, steps: listAndCall }))
  t.deepEqual(ferrofetch, node)
  t.false(ferrofetch.requests.includes('DELETE'))
  t.deepEqual(ferrofetch.streamConnections, ['closed'])
})

test('MCP tool call aborted by its signal: the same error and the same cancellation as with Node fetch', async (t) => {
  const { node, ferrofetch } = await runBoth(session(t, {
    terminate: true,
    steps: async (client, server) => {
      const controller = new AbortController()
      const call = client.callTool({ name: 'wait', arguments: {} }, undefined, { signal: controller.signal })
      // Abort once the tool runs on the server.
      await server.waiting
      controller.abort(new Error('user gave up'))
      let error = null
      try { await call } catch (err) { error = describeError(err, 0) }
      // The session still works after the aborted call.
      const echoed = await client.callTool({ name: 'echo', arguments: { text: 'after' } })
      return { error, echoed }
    }
  }))
  t.deepEqual(ferrofetch, node)
  t.is(ferrofetch.error.class, 'McpError')
  t.deepEqual(ferrofetch.echoed.content, [{ type: 'text', text: 'AFTER' }])
})
