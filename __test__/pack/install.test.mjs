// The packed tarballs, installed into a fresh app with no Rust toolchain,
// work the ways a user loads them: CommonJS, ESM, TypeScript (node16 and
// bundler resolution) and a worker thread. Without the platform package the
// import fails with the loader's explanation, not a crash.
// Runs after `npm run pack` (the test:pack script does both).
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { LOOPBACK_CJS, ROOT, TSC, makeApp, run, tarballs } from './app.mjs'

const { platformName } = createRequire(import.meta.url)(join(ROOT, 'lib', 'platform.js'))
const PLATFORM = platformName()
const EXPECTED = { status: 200, text: 'hello from /packaged' }

function nodeIn (dir, file, source, env) {
  writeFileSync(join(dir, file), source)
  return run(dir, process.execPath, [file], { env })
}

function lastJsonLine (res) {
  assert.equal(res.status, 0, `exited ${res.status}:\n${res.stdout}\n${res.stderr}`)
  return JSON.parse(res.stdout.trim().split('\n').at(-1))
}

describe('installed from both tarballs', () => {
  let app
  before(() => {
    const { main, platform } = tarballs(PLATFORM)
    app = makeApp([main, platform])
    writeFileSync(join(app.dir, 'loopback.cjs'), LOOPBACK_CJS)
  })
  after(() => app?.remove())

  test('the app has no cargo or rustc on PATH', () => {
    for (const tool of ['cargo', 'rustc']) {
      const res = run(app.dir, 'sh', ['-c', `command -v ${tool} || echo none`])
      assert.equal(res.stdout.trim(), 'none')
    }
  })

  test('the platform package is installed and the main package carries no addon', () => {
    const res = nodeIn(app.dir, 'where.cjs', `
      const fs = require('node:fs')
      const path = require('node:path')
      const main = path.dirname(require.resolve('ferrofetch/package.json'))
      console.log(JSON.stringify({
        platform: require.resolve('@ferrofetch/${PLATFORM}'),
        nodeFilesInMain: fs.readdirSync(main, { recursive: true }).filter((f) => f.endsWith('.node'))
      }))`)
    const out = lastJsonLine(res)
    assert.match(out.platform, new RegExp(`ferrofetch\\.${PLATFORM}\\.node$`))
    assert.deepEqual(out.nodeFilesInMain, [])
  })

  test('CommonJS require fetches from a loopback server', () => {
    const res = nodeIn(app.dir, 'cjs.cjs', `
      const { fetch } = require('ferrofetch')
      require('./loopback.cjs').loopbackFetch(fetch).then((r) => console.log(JSON.stringify(r)))`)
    assert.deepEqual(lastJsonLine(res), EXPECTED)
  })

  test('ESM import fetches from a loopback server and shares the CommonJS objects', () => {
    const res = nodeIn(app.dir, 'esm.mjs', `
      import ferrofetch, { fetch, Response } from 'ferrofetch'
      import { createRequire } from 'node:module'
      import { loopbackFetch } from './loopback.cjs'
      const same = createRequire(import.meta.url)('ferrofetch').Response === Response && ferrofetch.fetch === fetch
      console.log(JSON.stringify({ ...(await loopbackFetch(fetch)), same }))`)
    assert.deepEqual(lastJsonLine(res), { ...EXPECTED, same: true })
  })

  test('a worker_threads worker loads it and fetches', () => {
    const res = nodeIn(app.dir, 'worker.cjs', `
      const { Worker, isMainThread, parentPort } = require('node:worker_threads')
      if (isMainThread) {
        const worker = new Worker(__filename)
        worker.once('message', (r) => { console.log(JSON.stringify(r)); worker.terminate() })
        worker.once('error', (err) => { console.error(err); process.exitCode = 1 })
      } else {
        const { fetch } = require('ferrofetch')
        require('./loopback.cjs').loopbackFetch(fetch).then((r) => parentPort.postMessage(r))
      }`)
    assert.deepEqual(lastJsonLine(res), EXPECTED)
  })

  for (const [moduleKind, resolution] of [['node16', 'node16'], ['preserve', 'bundler']]) {
    test(`TypeScript compiles an import of the package with moduleResolution ${resolution}`, () => {
      const name = `tsconfig.${resolution}.json`
      writeFileSync(join(app.dir, 'usage.mts'), `
        import { fetch, Headers, type Response } from 'ferrofetch'
        const pending: Promise<Response> = fetch('http://127.0.0.1:1/', { headers: new Headers({ a: 'b' }) })
        export const status: Promise<number> = pending.then((r) => r.status)
      `)
      writeFileSync(join(app.dir, name), JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: moduleKind,
          moduleResolution: resolution,
          lib: ['ES2022', 'DOM'],
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')]
        },
        files: ['usage.mts']
      }))
      const res = run(app.dir, process.execPath, [TSC, '-p', name])
      assert.equal(res.status, 0, res.stdout + res.stderr)
    })
  }

  test('a wrong type in the importing file is a compile error (the typings are really read)', () => {
    writeFileSync(join(app.dir, 'wrong.mts'), `
      import { fetch } from 'ferrofetch'
      export const wrong: Promise<string> = fetch('http://127.0.0.1:1/')
    `)
    const res = run(app.dir, process.execPath, [TSC, '--noEmit', '--strict', '--module', 'node16',
      '--moduleResolution', 'node16', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types'), 'wrong.mts'])
    assert.notEqual(res.status, 0)
    assert.match(res.stdout, /Response/)
  })
})

describe('installed without the platform package', () => {
  let app
  before(() => {
    app = makeApp([tarballs(PLATFORM).main], ['--omit=optional'])
  })
  after(() => app?.remove())

  test('require throws the loader\'s explanation with a code, and the process exits normally', () => {
    const res = nodeIn(app.dir, 'missing.cjs', `
      try {
        require('ferrofetch')
        console.log(JSON.stringify({ loaded: true }))
      } catch (err) {
        console.log(JSON.stringify({ name: err.name, code: err.code, message: err.message }))
      }`)
    const out = lastJsonLine(res)
    assert.equal(out.code, 'ERR_FF_NATIVE_NOT_FOUND')
    assert.equal(out.name, 'Error')
    assert.ok(out.message.includes(`@ferrofetch/${PLATFORM}`), out.message)
    assert.match(out.message, new RegExp(`platform ${process.platform}, arch ${process.arch}`))
    if (process.platform === 'linux') assert.match(out.message, /libc (glibc|musl)/)
    assert.match(out.message, /optional dependencies/)
    assert.match(out.message, /npm run build/)
  })

  test('ESM import rejects with the same explanation', () => {
    const res = nodeIn(app.dir, 'missing.mjs', `
      try {
        await import('ferrofetch')
        console.log(JSON.stringify({ loaded: true }))
      } catch (err) {
        console.log(JSON.stringify({ code: err.code }))
      }`)
    assert.deepEqual(lastJsonLine(res), { code: 'ERR_FF_NATIVE_NOT_FOUND' })
  })

  test('FERROFETCH_NATIVE_PATH loads an addon from an explicit path', () => {
    const addon = join(ROOT, 'npm', PLATFORM, `ferrofetch.${PLATFORM}.node`)
    writeFileSync(join(app.dir, 'loopback.cjs'), LOOPBACK_CJS)
    const res = nodeIn(app.dir, 'explicit.cjs', `
      const { fetch } = require('ferrofetch')
      require('./loopback.cjs').loopbackFetch(fetch).then((r) => console.log(JSON.stringify(r)))`,
    { FERROFETCH_NATIVE_PATH: addon })
    assert.deepEqual(lastJsonLine(res), EXPECTED)
  })

  test('a FERROFETCH_NATIVE_PATH that does not load is named in the error', () => {
    const res = nodeIn(app.dir, 'explicit-bad.cjs', `
      try { require('ferrofetch') } catch (err) { console.log(JSON.stringify({ code: err.code, message: err.message })) }`,
    { FERROFETCH_NATIVE_PATH: join(app.dir, 'nowhere.node') })
    const out = lastJsonLine(res)
    assert.equal(out.code, 'ERR_FF_NATIVE_NOT_FOUND')
    assert.ok(out.message.includes(`FERROFETCH_NATIVE_PATH (${join(app.dir, 'nowhere.node')})`), out.message)
  })
})
