// The package's three entry points list its exports by hand (ESM needs its
// named exports spelled out): index.js's module.exports, index.mjs's named
// exports and index.d.ts's default object must name the same values.
import test from 'ava'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as esm from '../index.mjs'

const require = createRequire(import.meta.url)
const sorted = (names) => [...names].sort()

/** The member names of index.d.ts's `declare const ferrofetch: { … }`. */
function typedDefaultMembers () {
  const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  const block = /^declare const ferrofetch: \{\n([\s\S]*?)^\}/m.exec(dts)
  if (block === null) throw new Error('index.d.ts has no `declare const ferrofetch: {` block')
  return block[1].split('\n').map((line) => /^\s*(\w+):/.exec(line)?.[1]).filter(Boolean)
}

test('index.mjs names exactly the exports of index.js, as the same objects', (t) => {
  const cjs = require('../index.js')
  const named = Object.keys(esm).filter((name) => name !== 'default')
  t.deepEqual(sorted(named), sorted(Object.keys(cjs)))
  for (const name of named) t.is(esm[name], cjs[name], name)
  t.is(esm.default, cjs)
})

test('index.d.ts types the default export with exactly the names index.js exports', (t) => {
  t.deepEqual(sorted(typedDefaultMembers()), sorted(Object.keys(require('../index.js'))))
})
