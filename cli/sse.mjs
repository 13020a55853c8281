// --sse: each event printed as soon as the library has parsed it. Readable
// (and coloured on a terminal) by default; --ndjson gives one JSON object
// per line, `{event, data, id, retry?}`, for jq.

const STYLE = {
  field: (s) => `\x1b[2m${s}\x1b[22m`, // dim
  event: (s) => `\x1b[1;36m${s}\x1b[22;39m`, // bold cyan
  id: (s) => `\x1b[33m${s}\x1b[39m`, // yellow
  data: (s) => s
}
const PLAIN = { field: (s) => s, event: (s) => s, id: (s) => s, data: (s) => s }

/** Colour when stdout is a terminal, unless NO_COLOR is set (no-color.org). */
export function useColour (stdout = process.stdout, env = process.env) {
  return Boolean(stdout.isTTY) && !(env.NO_COLOR ?? '')
}

/**
 * One event as text ending in a newline.
 * @param {{ event: string, data: string, id: string, retry?: number }} ev
 * @param {{ ndjson: boolean, colour: boolean }} how
 */
export function formatEvent (ev, { ndjson, colour }) {
  if (ndjson) {
    const line = { event: ev.event, data: ev.data, id: ev.id }
    if (ev.retry !== undefined) line.retry = ev.retry
    return JSON.stringify(line) + '\n'
  }
  // The wire's own field syntax, one field a line and a blank line after
  // each event, so the output reads like (and parses as) an event stream.
  const s = colour ? STYLE : PLAIN
  const lines = [`${s.field('event:')} ${s.event(ev.event)}`]
  if (ev.id !== '') lines.push(`${s.field('id:')} ${s.id(ev.id)}`)
  if (ev.retry !== undefined) lines.push(`${s.field('retry:')} ${ev.retry}`)
  for (const line of ev.data.split('\n')) lines.push(`${s.field('data:')} ${s.data(line)}`)
  return lines.join('\n') + '\n\n'
}

/**
 * Prints every event of an async iterable into the sink; stops when the
 * reader of stdout leaves.
 */
export async function printEvents (iterable, sink, how) {
  for await (const ev of iterable) {
    await sink.write(formatEvent(ev, how))
    if (sink.error !== null) break
  }
  sink.throwIfFailed()
}
