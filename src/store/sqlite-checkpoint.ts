// Moves SQLite's WAL checkpoints off the event loop. By default the connection that commits
// copies the write-ahead log back into the database file every 1000 pages and fsyncs it:
// under the sign-in bench a 5–20 ms stall every ~130 writes, a third of the event loop's
// time in SQLite. A worker thread with its own connection checkpoints instead (PASSIVE:
// it never blocks the server's reads and writes, and they never wait for it).
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type SQLite from 'better-sqlite3';

const INTERVAL_MS = 200;
// The server's own connection still checkpoints if the log ever passes this many pages
// (40 MB), e.g. when the worker could not start or has died.
const FALLBACK_PAGES = 10_000;
const SQLITE_DEFAULT_PAGES = 1000;
// After a burst the log file would keep its largest size; the writer trims it back to this
// when it next starts the log over.
const LOG_SIZE_LIMIT = 16 * 1024 * 1024;

// Plain CommonJS evaluated in the worker, so it needs no build step or loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
let last = '';
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    last = '';
  } catch (err) {
    // Reported once per kind of failure, not every interval.
    const message = String((err && err.message) || err);
    if (message !== last) parentPort.postMessage(message);
    last = message;
  }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Starts the checkpoint worker for this file; on any failure SQLite's own checkpoints resume. */
export function checkpointInBackground(sqlite: SQLite.Database, file: string, onProblem: (message: string) => void): Checkpointer {
  let stopping = false;
  const fallback = (message: string) => {
    if (stopping) return;
    stopping = true;
    try { sqlite.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`); } catch { /* closed already */ }
    onProblem(message);
  };
  sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
  sqlite.pragma(`journal_size_limit = ${LOG_SIZE_LIMIT}`);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // No --import tsx or other loaders: the worker only needs better-sqlite3.
    execArgv: [],
    workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), file, intervalMs: INTERVAL_MS },
  });
  worker.unref();
  worker.on('message', (message: string) => onProblem(`background checkpoint failed: ${message}`));
  worker.on('error', (err) => fallback(`background checkpoints stopped, the server's connection checkpoints again: ${err.message}`));
  worker.on('exit', (code) => fallback(`background checkpoints stopped (worker exit ${code}), the server's connection checkpoints again`));
  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      const exited = new Promise<void>((done) => worker.once('exit', () => done()));
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
