// Builds (when stale) and starts crates/bench-server. Kept separate from the
// bench runner so tests and the demo can start the same server.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CRATE = join(ROOT, 'crates', 'bench-server');
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(ROOT, 'target');
export const SERVER_BIN = join(TARGET, 'release', 'ferrofetch-bench-server');

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/**
 * Runs `cargo build --release -p ferrofetch-bench-server` unless the binary is
 * newer than the crate's sources. Skipping the no-op build matters because
 * cargo blocks on the shared target dir while other builds run.
 * `force` (or BENCH_REBUILD=1) always builds.
 */
export function buildServer({ force = process.env.BENCH_REBUILD === '1' } = {}) {
  if (!force && existsSync(SERVER_BIN) && statSync(SERVER_BIN).mtimeMs >= newestMtime(CRATE)) return;
  const res = spawnSync('cargo', ['build', '--release', '-p', 'ferrofetch-bench-server'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`cargo build failed with status ${res.status}`);
}

/**
 * Starts the server on an ephemeral port and resolves once it printed
 * `LISTENING <port>`. Its stdin stays a pipe we own: the server exits when the
 * pipe closes, so it cannot outlive this process even after a crash.
 */
export function startServer({ timeoutMs = 10_000 } = {}) {
  const child = spawn(SERVER_BIN, ['--port', '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.on('error', () => {}); // EPIPE if the server died first; nothing to do.
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    child.stdin.destroy();
  };
  return new Promise((resolvePromise, reject) => {
    let out = '';
    const fail = (err) => {
      clearTimeout(timer);
      stop();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`bench server not ready after ${timeoutMs} ms`)), timeoutMs);
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`bench server exited early (${code ?? signal})`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /^LISTENING (\d+)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      const port = Number(m[1]);
      resolvePromise({ port, baseUrl: `http://127.0.0.1:${port}`, child, stop });
    });
  });
}
