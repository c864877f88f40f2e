// Loaded into every test file's process (scripts/run-tests.mjs, --import). A test file that
// hangs is killed by the runner after --test-timeout with nothing but "test timed out"
// (a file hung before its first test reported, on CI and in a clean-clone run here: a
// deadlock inside Node's crypto, found by attaching gdb, see src/tenants/rsa-private-jwk.ts). So:
// - every fetch (the tests' and the servers' alike) gives up after FETCH_TIMEOUT_MS with
//   an error naming the request, so a request nobody answers fails its test and the file
//   goes on;
// - every few seconds the process writes what it is waiting for (running tests, requests
//   in flight on both sides, active handles) to GATEHOUSE_HANG_REPORT_DIR, and removes it
//   when it exits normally; the runner prints what the killed ones left.
import { rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Server } from 'node:http';
import { afterEach, beforeEach } from 'node:test';

const FETCH_TIMEOUT_MS = 90_000;
const REPORT_EVERY_MS = 2_000;

interface InFlight { what: string; since: number }
const clientRequests = new Set<InFlight>();
const serverRequests = new Set<InFlight>();

/** Records the requests a test server is working on, for the hang report. */
export function trackServer(server: Server, label: string): void {
  server.on('request', (req, res) => {
    const entry = { what: `${label} ${req.method} ${req.url}`, since: Date.now() };
    serverRequests.add(entry);
    res.once('close', () => serverRequests.delete(entry));
  });
}

const inChild = process.env.NODE_TEST_CONTEXT !== undefined;
if (inChild) {
  const running = new Set<string>();
  beforeEach((t) => { running.add(t.name); });
  afterEach((t) => { running.delete(t.name); });
  const original = globalThis.fetch;
  globalThis.fetch = async function fetchWithDeadline(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
    const url = input instanceof Request ? input.url : String(input);
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const entry = { what: `${method} ${url}`, since: Date.now() };
    const deadline = AbortSignal.timeout(FETCH_TIMEOUT_MS);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    clientRequests.add(entry);
    try {
      return await original(input, { ...init, signal });
    } catch (err) {
      if (deadline.aborted && !init?.signal?.aborted) {
        throw new Error(`${method} ${url} got no answer in ${FETCH_TIMEOUT_MS / 1000} s`, { cause: err });
      }
      throw err;
    } finally {
      clientRequests.delete(entry);
    }
  };

  // Written every few seconds and removed on a normal exit, rather than on the runner's
  // SIGTERM: a JavaScript SIGTERM handler would keep a process whose main thread is stuck
  // in native code (as it once was, in Node's crypto) from dying at all.
  const dir = process.env.GATEHOUSE_HANG_REPORT_DIR;
  if (dir) {
    const file = process.argv[1] ?? 'unknown';
    const path = join(dir, `${basename(file)}-${process.pid}.txt`);
    const write = () => {
      const now = Date.now();
      const list = (set: Set<InFlight>) => [...set].map((r) => `  ${r.what} (for ${((now - r.since) / 1000).toFixed(1)} s)`).join('\n') || '  none';
      const report = [
        `${file}: as last seen, ${process.uptime().toFixed(0)} s after it started (the event loop did not turn again after this if the time is well before the timeout)`,
        `tests running: ${[...running].join(' | ') || 'none (a before or after hook, or loading the file)'}`,
        'requests sent, not answered:', list(clientRequests),
        'requests received, not answered:', list(serverRequests),
        `active handles: ${process.getActiveResourcesInfo().join(', ')}`,
      ].join('\n');
      try { writeFileSync(path, `${report}\n`); } catch { /* the report is best effort */ }
    };
    setInterval(write, REPORT_EVERY_MS).unref();
    process.once('exit', () => { try { rmSync(path, { force: true }); } catch { /* gone already */ } });
  }
}
