// The stable error codes are listed once, in lib/codes.js. These tests read
// every other place that names them (the Rust core's `codes` module, the JS
// layer's sources, index.d.ts, the README's tables) and fail when one of
// them has a code the others lack.
import test from 'ava'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { codes, CORE, CORE_UNEXPOSED, JS, EVENT_STREAM, LOADER } = require('../lib/codes.js')

const root = new URL('../', import.meta.url)
const read = (path) => readFileSync(new URL(path, root), 'utf8')
const sorted = (values) => [...new Set(values)].sort()

/** Codes a program meets on `cause.code`: the core's exposed ones and the JS layer's. */
const CAUSE_CODES = sorted([...Object.values(CORE), ...Object.values(JS)])
const ALL_CODES = new Set([...Object.values(codes), ...Object.values(CORE_UNEXPOSED)])

/** `NAME -> "CODE"` from crates/core/src/error.rs's `pub mod codes { ... }`. */
function rustCodes () {
  const source = read('crates/core/src/error.rs')
  const block = /^pub mod codes \{\n([\s\S]*?)^\}/m.exec(source)
  if (block === null) throw new Error('crates/core/src/error.rs has no `pub mod codes { ... }` block')
  const found = {}
  for (const [, name, code] of block[1].matchAll(/pub const (\w+): &str = "([^"]*)";/g)) found[name] = code
  return found
}

/** The JS layer's source files (lib/ and the entry points), by path. */
function jsSources () {
  const files = readdirSync(new URL('lib/', root)).filter((f) => f.endsWith('.js')).map((f) => `lib/${f}`)
  return [...files, 'index.js', 'index.mjs'].map((path) => ({ path, text: read(path) }))
}

/** The string literals of a TypeScript union in `text` after `start`, up to the first line that is not part of it. */
function unionAfter (text, start) {
  const at = text.indexOf(start)
  if (at === -1) throw new Error(`index.d.ts has no ${start}`)
  const rest = text.slice(at + start.length)
  const union = /^(?:\s*\|?\s*'[^']*')+/.exec(rest)
  if (union === null) throw new Error(`index.d.ts: ${start} is not followed by a union of string literals`)
  return sorted([...union[0].matchAll(/'([^']*)'/g)].map((m) => m[1]))
}

/** The codes of each `| code | meaning |` table in the README's "## Errors" section, in order. */
function readmeTables () {
  const readme = read('README.md')
  const section = /^## Errors\n([\s\S]*?)(?=^## )/m.exec(readme)
  if (section === null) throw new Error('README.md has no "## Errors" section')
  const tables = []
  let current = null
  for (const line of section[1].split('\n')) {
    if (/^\|\s*code\s*\|\s*meaning\s*\|$/.test(line)) {
      current = []
      tables.push(current)
    } else if (current !== null && line.startsWith('|')) {
      const code = /^\|\s*`([^`]+)`\s*\|/.exec(line)
      if (code !== null) current.push(code[1])
    } else {
      current = null
    }
  }
  return tables.map(sorted)
}

test('lib/codes.js lists each code once, under one name', (t) => {
  const groups = [CORE, CORE_UNEXPOSED, JS, EVENT_STREAM, LOADER]
  const values = groups.flatMap((group) => Object.values(group))
  const names = groups.flatMap((group) => Object.keys(group))
  t.is(new Set(values).size, values.length)
  t.is(new Set(names).size, names.length)
})

test('the Rust core creates exactly the codes lib/codes.js lists as the core\'s, under the same names', (t) => {
  const rust = rustCodes()
  t.true(Object.keys(rust).length > 0)
  const entries = (object) => Object.entries(object).sort(([a], [b]) => a.localeCompare(b))
  t.deepEqual(entries(rust), entries({ ...CORE, ...CORE_UNEXPOSED }))
})

test('every ERR_FF_ code named in the JS layer is one lib/codes.js lists', (t) => {
  const unknown = []
  for (const { path, text } of jsSources()) {
    for (const [code] of text.matchAll(/\bERR_FF_[A-Z0-9_]+/g)) if (!ALL_CODES.has(code)) unknown.push(`${path}: ${code}`)
  }
  t.deepEqual(unknown, [])
})

test('the JS layer writes a code as a string only in lib/codes.js', (t) => {
  const elsewhere = []
  for (const { path, text } of jsSources()) {
    if (path === 'lib/codes.js') continue
    for (const [literal] of text.matchAll(/(['"`])(?:ERR_FF_[A-Z0-9_]*|E[A-Z]+)\1/g)) {
      if (ALL_CODES.has(literal.slice(1, -1))) elsewhere.push(`${path}: ${literal}`)
    }
  }
  t.deepEqual(elsewhere, [])
})

test('every code lib/codes.js gives the JS layer is created by some site in lib/', (t) => {
  const sites = jsSources().filter(({ path }) => path !== 'lib/codes.js').map(({ text }) => text).join('\n')
  const unused = Object.keys({ ...JS, ...EVENT_STREAM, ...LOADER }).filter((name) => !sites.includes(`codes.${name}`))
  t.deepEqual(unused, [])
})

test('index.d.ts FetchErrorCode lists exactly the codes on cause.code', (t) => {
  t.deepEqual(unionAfter(read('index.d.ts'), 'export type FetchErrorCode ='), CAUSE_CODES)
})

test('index.d.ts EventStreamError code lists exactly the event-stream codes', (t) => {
  const dts = read('index.d.ts')
  const declaration = dts.slice(dts.indexOf('export declare class EventStreamError'))
  t.deepEqual(unionAfter(declaration, 'readonly code:'), sorted(Object.values(EVENT_STREAM)))
})

test('the README\'s error tables list exactly the codes on cause.code, then the event-stream codes, then the loader\'s', (t) => {
  t.deepEqual(readmeTables(), [CAUSE_CODES, sorted(Object.values(EVENT_STREAM)), sorted(Object.values(LOADER))])
})
