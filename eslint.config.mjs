// JS lint and format (`npm run lint:js`, `npm run lint:js:fix`): neostandard,
// the `standard` style this code is written in (no semicolons, single quotes,
// a space before function parens), as undici uses it. Its TypeScript rules
// cover the hand-written typings (index.d.ts, lib/*.d.ts) and the typings tests.
import neostandard, { resolveIgnoresFromGitignore } from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    noJsx: true,
    // Rust sources and the fuzz crate hold no JS; target/ etc. come from .gitignore.
    ignores: [...resolveIgnoresFromGitignore(), 'crates/**', 'fuzz/**', 'src/**']
  }),
  {
    // The typings tests evaluate expressions only for their types; `void`
    // discards a value on purpose (and keeps arrow callbacks returning void).
    files: ['__test__/types/**/*.ts'],
    rules: { 'no-void': 'off' }
  },
  {
    // The CLI tests match the CLI's ANSI escape sequences (ESC is \x1b) on purpose.
    files: ['__test__/cli-*.spec.mjs', '__test__/helpers/cli.mjs'],
    rules: { 'no-control-regex': 'off' }
  }
]
