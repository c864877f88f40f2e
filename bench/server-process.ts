// The built server (`node dist/main.js`) as a child process, the way an operator runs it,
// with the time from spawn to the first 200 from /health/ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

export const DEFAULT_MAIN = resolve(import.meta.dirname, '../dist/main.js');

export interface ServerOptions {
  dataDir: string;
  adminPassword: string;
  databaseUrl?: string;
  /** Extra environment for the server (GATEHOUSE_… names). */
  env?: Record<string, string>;
  /** The entry point to run; dist/main.js unless comparing another build. */
  main?: string;
  /** Options for node itself, before the entry point (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

/** CPU seconds a process has used so far: its main (event-loop) thread and all others. */
export interface ProcessCpu {
  mainThread: number;
  otherThreads: number;
}

export interface RunningServer {
  url: string;
  /** From /proc on Linux; undefined elsewhere. */
  cpu(): ProcessCpu | undefined;
  /** Milliseconds from spawn until /health/ready answered 200. */
  readyMs: number;
  /** The last lines the server wrote (for error messages). */
  output(): string;
  stop(): Promise<void>;
}

export { freePort } from '../test/helpers/local-services.js';
import { freePort } from '../test/helpers/local-services.js';

/** The parent's environment without anything that would configure the server behind our back. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('GATEHOUSE_') || key === 'DATABASE_URL' || key === 'REDIS_URL' || key === 'PORT') continue;
    env[key] = value;
  }
  return env;
}

function readyStatus(url: string): Promise<number> {
  return new Promise((done) => {
    const req = request(`${url}/health/ready`, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', () => done(0));
    req.on('timeout', () => { req.destroy(); done(0); });
    req.end();
  });
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...cleanEnv(),
    PORT: String(port),
    GATEHOUSE_SERVER__HOST: '127.0.0.1',
    GATEHOUSE_BASE_URL: url,
    GATEHOUSE_DATA_DIR: options.dataDir,
    GATEHOUSE_ADMIN_PASSWORD: options.adminPassword,
    GATEHOUSE_LOGGING__LEVEL: 'warn',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  };
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  const started = performance.now();
  // cwd is the data dir, so a gatehouse.toml in the repository cannot change the run.
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), options.main ?? DEFAULT_MAIN], { cwd: options.dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<void>((done) => child.once('exit', (code) => { exited = code; done(); }));

  const output = () => lines.join('\n');
  let readyMs = -1;
  while (readyMs < 0) {
    if (exited !== undefined) throw new Error(`the server exited with code ${exited} before it was ready:\n${output()}`);
    if (performance.now() - started > 30_000) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready after 30 s:\n${output()}`);
    }
    if (await readyStatus(url) === 200) readyMs = performance.now() - started;
    else await new Promise((r) => setTimeout(r, 5));
  }

  return {
    url,
    readyMs,
    output,
    cpu: () => (child.pid ? processCpu(child.pid) : undefined),
    async stop() {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

// utime + stime of each thread (fields 14 and 15 of /proc/<pid>/task/<tid>/stat, in ticks).
// The main thread's id is the process id; the others are libuv's pool (argon2) and V8's.
const TICKS_PER_SECOND = 100;

/** Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used so far by every process of a command on this machine: `postgres` (the
 * server's processes), `redis-server`.
 */
export function commandCpu(command: string): number | undefined {
  const tag = `(${command})`;
  try {
    let seconds = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { continue; }
      if (!stat.includes(tag)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      seconds += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    }
    return seconds;
  } catch {
    return undefined;
  }
}

function processCpu(pid: number): ProcessCpu | undefined {
  try {
    const out = { mainThread: 0, otherThreads: 0 };
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
      if (Number(tid) === pid) out.mainThread += seconds;
      else out.otherThreads += seconds;
    }
    return out;
  } catch {
    return undefined;
  }
}
