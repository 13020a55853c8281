// Runs the command-line client (cli/ferrofetch.mjs) as a real child process:
// piped, in a shell pipeline, or in a pseudo-terminal made by util-linux's
// `script`. Every run is bounded: a child still alive after `timeout` ms is
// killed and the run fails.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../cli/ferrofetch.mjs', import.meta.url))
export const SCRIPT = '/usr/bin/script'

/** The environment of a child: no proxy variables, no colour overrides. */
export function cleanEnv (extra = {}) {
  const env = { ...process.env }
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy', 'NO_COLOR', 'FORCE_COLOR']) {
    delete env[name]
  }
  return { ...env, ...extra }
}

// Children start a few at a time: ava runs a file's tests concurrently, and
// a dozen Node processes starting at once on a small shared machine would
// make each run's bound a measure of the machine's load.
const MAX_CHILDREN = 3
let running = 0
const queue = []

async function slot () {
  if (running >= MAX_CHILDREN) await new Promise((resolve) => queue.push(resolve))
  running++
  return () => {
    running--
    queue.shift()?.()
  }
}

/** Kills `child` if it outlives `ms`; resolves with { code, signal }. */
async function bounded (child, ms, what) {
  const timer = setTimeout(() => child.kill('SIGKILL'), ms)
  const [code, signal] = await once(child, 'close')
  clearTimeout(timer)
  if (signal === 'SIGKILL') throw new Error(`${what} did not finish within ${ms} ms`)
  return { code, signal }
}

/**
 * Starts the CLI with `args`; returns the child (stdio piped) and a promise
 * of { code, signal, stdout: Buffer, stderr: string }.
 */
export async function startCli (args, { input = null, env = {}, cwd = undefined, timeout = 20_000 } = {}) {
  const release = await slot()
  const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(env), cwd, stdio: ['pipe', 'pipe', 'pipe'] })
  const stdout = []
  const stderr = []
  child.stdout.on('data', (c) => stdout.push(c))
  child.stderr.on('data', (c) => stderr.push(c))
  child.stdin.on('error', () => {})
  if (input === null) child.stdin.end()
  else if (typeof input.pipe === 'function') input.pipe(child.stdin)
  else child.stdin.end(input)
  const done = bounded(child, timeout, `ferrofetch ${args.join(' ')}`).then(({ code, signal }) => ({
    code,
    signal,
    stdout: Buffer.concat(stdout),
    stderr: Buffer.concat(stderr).toString()
  })).finally(release)
  return { child, done }
}

/** Runs the CLI to the end: { code, signal, stdout (string), stdoutBytes, stderr }. */
export async function runCli (args, options = {}) {
  const result = await (await startCli(args, options)).done
  return { ...result, stdoutBytes: result.stdout, stdout: result.stdout.toString() }
}

/** Single-quotes a word for sh. */
export const shellQuote = (word) => `'${String(word).replace(/'/g, "'\\''")}'`

/** The CLI's command line, quoted for a shell. */
export const cliCommand = (args) => [process.execPath, CLI, ...args].map(shellQuote).join(' ')

/**
 * Runs a shell command line (bash, for PIPESTATUS) to the end.
 * @returns {Promise<{ code: number, stdout: Buffer, stderr: string }>}
 */
export async function runShell (commandLine, { env = {}, timeout = 20_000 } = {}) {
  const release = await slot()
  const child = spawn('/bin/bash', ['-c', commandLine], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  const stdout = []
  const stderr = []
  child.stdout.on('data', (c) => stdout.push(c))
  child.stderr.on('data', (c) => stderr.push(c))
  const { code } = await bounded(child, timeout, commandLine).finally(release)
  return { code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString() }
}

/**
 * Runs the CLI in a pseudo-terminal (`script -qefc`): its stdout and stderr
 * are both that terminal, and what it wrote there comes back as `tty`
 * (a string with the escape sequences as written). `script -e` exits with
 * the CLI's exit code.
 */
export async function runInPty (args, { env = {}, timeout = 20_000, redirect = '' } = {}) {
  const commandLine = `${cliCommand(args)}${redirect}`
  const release = await slot()
  const child = spawn(SCRIPT, ['-qefc', commandLine, '/dev/null'], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  const out = []
  child.stdout.on('data', (c) => out.push(c))
  child.stderr.on('data', (c) => out.push(c))
  const { code } = await bounded(child, timeout, `script -qefc ${commandLine}`).finally(release)
  return { code, tty: Buffer.concat(out).toString() }
}

/** Text with the escape sequences and carriage returns spelled out, for assertion messages. */
export const visible = (text) => text.replace(/\x1b/g, '\\e').replace(/\r/g, '\\r')
