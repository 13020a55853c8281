// Node scripts run in a child process, for what only a fresh process shows:
// whether it exits by itself, and its peak memory. Every child is bounded in
// time: one still running after `timeoutMs` is killed and reported as HANG
// (a bound for the test, not a speed requirement).
import { spawn } from 'node:child_process'

export const HANG = 'killed (hang)'

/**
 * Runs `source` in a fresh Node (`-e`; as an ES module with `module`).
 * Resolves with its exit code (or HANG), stdout and stderr; `onOutput`
 * sees stdout as it grows. With `t`, the child is killed at the test's end.
 */
export function runNode (source, { module = false, ...options } = {}) {
  return runNodeWith(module ? ['--input-type=module', '-e', source] : ['-e', source], options)
}

/** As runNode, with Node's whole argument list (flags, a script file, its arguments) and `env`. */
export function runNodeWith (args, { timeoutMs = 20_000, onOutput = () => {}, t = null, env = process.env } = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
  t?.teardown(() => child.kill('SIGKILL'))
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    stdout += chunk
    onOutput(stdout)
  })
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: signal === 'SIGKILL' ? HANG : code, stdout, stderr })
    })
  })
}

/** The JSON a child printed last, or an error with its stderr. */
export function lastJson ({ code, stdout, stderr }) {
  if (code !== 0) throw new Error(`child exited with ${code}: ${stderr}`)
  return JSON.parse(stdout.trim().split('\n').pop())
}
