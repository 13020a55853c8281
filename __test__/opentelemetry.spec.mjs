// Tracing as services run it: @opentelemetry/instrumentation-undici, which
// listens to undici's diagnostics_channel events, traces ferrofetch's
// requests as it traces Node's fetch. Each request goes through both, and
// the spans are compared; spans are told apart by their server's origin.
import test from 'ava'
import { context, trace, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { fetch } from '../index.mjs'
import { httpServer, closedPort, sleep } from './helpers/servers.mjs'

const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
trace.setGlobalTracerProvider(provider)
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
propagation.setGlobalPropagator(new W3CTraceContextPropagator())
const instrumentation = new UndiciInstrumentation()
instrumentation.setTracerProvider(provider)
instrumentation.enable()
test.after.always(() => instrumentation.disable())

const tracer = provider.getTracer('ferrofetch-tests')

/** The ended client spans of requests to `origin` (at most about a second's wait for `count`). */
async function clientSpans (origin, count = 1) {
  const mine = () => exporter.getFinishedSpans()
    .filter((s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full']).startsWith(origin))
  for (let i = 0; i < 100 && mine().length < count; i++) await sleep(10)
  return mine()
}

/**
 * What the instrumentation made of a request, without what differs per
 * run (ids, times, the port: the peer's is compared with the server's).
 * The User-Agent differs by name ("node" / "ferrofetch/…"): only whether
 * there is one is compared.
 */
function spanShape (span, origin) {
  const attributes = { ...span.attributes }
  if ('network.peer.port' in attributes) {
    attributes['network.peer.port'] = attributes['network.peer.port'] === Number(new URL(origin).port)
  }
  attributes['user_agent.original'] = typeof attributes['user_agent.original']
  delete attributes['server.port']
  attributes['url.full'] = attributes['url.full'].slice(origin.length)
  return {
    name: span.name,
    kind: span.kind,
    status: span.status.code,
    attributes,
    events: span.events.map((e) => ({ name: e.name, type: e.attributes?.['exception.type'] }))
  }
}

/** A server that answers with the traceparent it received. */
async function echoTraceparent (t) {
  return httpServer(t, (req, res) => res.end(req.headers.traceparent ?? 'none'))
}

/** Runs `call(fetchFn, url)` inside an active span, and returns its span and the reply. */
function inParentSpan (call) {
  return tracer.startActiveSpan('parent', async (parent) => {
    try {
      return { parent, reply: await call() }
    } finally {
      parent.end()
    }
  })
}

test('a fetch makes a client span with method, URL and status, a child of the active span', async (t) => {
  const { url } = await echoTraceparent(t)
  const { parent } = await inParentSpan(async () => (await fetch(`${url}/path?q=1`)).text())
  const [span] = await clientSpans(url)
  t.truthy(span)
  t.is(span.attributes['http.request.method'], 'GET')
  t.is(span.attributes['url.full'], `${url}/path?q=1`)
  t.is(span.attributes['http.response.status_code'], 200)
  t.is(span.parentSpanContext?.spanId, parent.spanContext().spanId)
  t.is(span.spanContext().traceId, parent.spanContext().traceId)
})

test('the server receives the client span’s traceparent', async (t) => {
  const { url } = await echoTraceparent(t)
  const { reply } = await inParentSpan(async () => (await fetch(url)).text())
  const [span] = await clientSpans(url)
  const { traceId, spanId } = span.spanContext()
  t.is(reply, `00-${traceId}-${spanId}-01`)
})

test('the client span of a fetch matches the one Node’s fetch gets', async (t) => {
  const node = await echoTraceparent(t)
  const ours = await echoTraceparent(t)
  await inParentSpan(async () => (await globalThis.fetch(`${node.url}/a?b=c`, { method: 'POST', body: 'x' })).text())
  await inParentSpan(async () => (await fetch(`${ours.url}/a?b=c`, { method: 'POST', body: 'x' })).text())
  const [nodeSpan] = await clientSpans(node.url)
  const [ourSpan] = await clientSpans(ours.url)
  t.deepEqual(spanShape(ourSpan, ours.url), spanShape(nodeSpan, node.url))
  // From undici:client:sendHeaders' socket, as with Node's fetch.
  t.is(ourSpan.attributes['network.peer.address'], '127.0.0.1')
  t.is(ourSpan.attributes['network.peer.port'], Number(new URL(ours.url).port))
})

test('the client span’s user_agent.original is the User-Agent the server received', async (t) => {
  const { url } = await httpServer(t, (req, res) => res.end(req.headers['user-agent']))
  const { reply } = await inParentSpan(async () => (await fetch(url)).text())
  const [span] = await clientSpans(url)
  t.regex(reply, /^ferrofetch\//)
  t.is(span.attributes['user_agent.original'], reply)
})

test('a followed redirect makes a span per hop, each hop receiving its own traceparent, as with Node’s fetch', async (t) => {
  const hopping = (req, res) => {
    if (req.url === '/from') {
      res.writeHead(302, { location: '/to', 'x-got': req.headers.traceparent })
      res.end()
    } else res.end(req.headers.traceparent)
  }
  const node = await httpServer(t, hopping)
  const ours = await httpServer(t, hopping)
  const nodeReply = (await inParentSpan(async () => (await globalThis.fetch(`${node.url}/from`)).text())).reply
  const { reply } = await inParentSpan(async () => (await fetch(`${ours.url}/from`)).text())
  const nodeSpans = await clientSpans(node.url, 2)
  const spans = await clientSpans(ours.url, 2)
  t.deepEqual(spans.map((s) => spanShape(s, ours.url)), nodeSpans.map((s) => spanShape(s, node.url)))
  const second = spans.find((s) => s.attributes['url.full'] === `${ours.url}/to`)
  t.is(reply, `00-${second.spanContext().traceId}-${second.spanContext().spanId}-01`)
  t.is(nodeReply.split('-').length, reply.split('-').length)
})

test('an error status makes the same span as with Node’s fetch', async (t) => {
  const failing = (req, res) => { res.statusCode = 503; res.end() }
  const node = await httpServer(t, failing)
  const ours = await httpServer(t, failing)
  await (await globalThis.fetch(node.url)).arrayBuffer()
  await (await fetch(ours.url)).arrayBuffer()
  const [nodeSpan] = await clientSpans(node.url)
  const [ourSpan] = await clientSpans(ours.url)
  t.is(ourSpan.attributes['http.response.status_code'], 503)
  t.deepEqual(spanShape(ourSpan, ours.url), spanShape(nodeSpan, node.url))
})

test('a refused connection makes an error span with ECONNREFUSED, as with Node’s fetch', async (t) => {
  const nodeOrigin = `http://127.0.0.1:${await closedPort()}`
  const ourOrigin = `http://127.0.0.1:${await closedPort()}`
  await t.throwsAsync(globalThis.fetch(nodeOrigin))
  await t.throwsAsync(fetch(ourOrigin))
  const [nodeSpan] = await clientSpans(nodeOrigin)
  const [ourSpan] = await clientSpans(ourOrigin)
  t.is(ourSpan.status.code, SpanStatusCode.ERROR)
  t.is(ourSpan.attributes['error.type'], 'ECONNREFUSED')
  t.deepEqual(spanShape(ourSpan, ourOrigin), spanShape(nodeSpan, nodeOrigin))
})

test('an aborted fetch ends its span as Node’s fetch does', async (t) => {
  const hanging = (req, res) => {
    res.writeHead(200)
    res.write('partial')
  }
  const node = await httpServer(t, hanging)
  const ours = await httpServer(t, hanging)
  for (const [fetchFn, url] of [[globalThis.fetch, node.url], [fetch, ours.url]]) {
    const controller = new AbortController()
    const response = await fetchFn(url, { signal: controller.signal })
    controller.abort()
    await response.text().catch(() => {})
  }
  const [nodeSpan] = await clientSpans(node.url)
  const [ourSpan] = await clientSpans(ours.url)
  t.truthy(ourSpan)
  t.deepEqual(spanShape(ourSpan, ours.url), spanShape(nodeSpan, node.url))
})
