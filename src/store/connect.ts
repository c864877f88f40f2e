// Opens the one store: embedded SQLite (default) or PostgreSQL, behind the same Kysely API.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, SqliteDialect, PostgresDialect, type SqliteDatabase } from 'kysely';
import SQLite from 'better-sqlite3';
import type { Database } from './database.js';
import { checkpointInBackground, type Checkpointer } from './sqlite-checkpoint.js';
import { preparingPool } from './pg-prepared.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Human-readable location for start-up messages (no password). */
  where: string;
  /**
   * SQLite files only: checkpoint the write-ahead log on a worker thread from now on, not
   * on the event loop. For the server; a short command has no use for it.
   */
  checkpointInBackground?(onProblem: (message: string) => void): void;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL: named prepared statements (see pg-prepared.ts); on unless turned off. */
  preparedStatements?: boolean;
}

export function openStore(url: string, dataDir: string, poolSize = 10, onIdleError?: (err: Error) => void, options: StoreOptions = {}): Store {
  if (/^postgres(ql)?:\/\//.test(url)) {
    // pg is loaded on the first query, not at start: on SQLite it is never needed, and
    // loading it costs 40 ms of a cold start (it builds a fetch Response to detect Cloudflare).
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: async () => {
      const { default: pg } = await import('pg');
      // int8 (COUNT, bigint columns) arrives as a string from pg; our values fit in a double.
      pg.types.setTypeParser(20, Number);
      const pool = new pg.Pool({ connectionString: url, max: poolSize });
      // An idle connection dropped by the server (restart, failover, DROP … FORCE) is emitted
      // on the pool; without a listener that would crash the process. The pool discards the
      // client and the next query opens a new one.
      pool.on('error', (err) => onIdleError?.(err));
      return options.preparedStatements === false ? pool : preparingPool(pool);
    } }) });
    return { db, dialect: 'postgres', where: `PostgreSQL ${describePostgres(url)}`, close: () => db.destroy() };
  }
  const file = url ? url.replace(/^sqlite:(\/\/)?/, '') : resolve(dataDir, 'gatehouse.db');
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // SQLite's own lower() changes A–Z only: "Ärzte" stayed "Ärzte", and a case-insensitive
  // filter that PostgreSQL (on a UTF-8 database) answered found nothing here.
  sqlite.function('lower', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: reusingStatements(sqlite) }) });
  let checkpointer: Checkpointer | undefined;
  return {
    db,
    dialect: 'sqlite',
    where: `SQLite ${file}`,
    checkpointInBackground: file === ':memory:' ? undefined : (onProblem) => {
      checkpointer ??= checkpointInBackground(sqlite, resolve(file), onProblem);
    },
    async close() {
      // The worker's connection goes first, so the last one to close checkpoints and removes the log.
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

// Kysely prepares every query anew, and preparing (parsing and planning) one of ours takes
// 6–9 µs, longer than running most of them. The queries are a few distinct texts with
// parameters, so each text is prepared once. A statement still being iterated (a streamed
// query) is never handed out twice: that text is prepared fresh for the second caller.
const MAX_STATEMENTS = 500;

function reusingStatements(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    prepare(text: string) {
      const known = statements.get(text);
      if (known && !known.busy) return known;
      const statement = sqlite.prepare(text);
      if (!known) {
        if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value!);
        statements.set(text, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      sqlite.close();
    },
  };
}

/**
 * Host (or socket directory) and database, for messages: never the user's password, whether
 * it is in the authority or in ?password=. Not through WHATWG URL: libpq's socket form
 * postgres://user@/db?host=/var/run/postgresql is valid for pg but not for URL.
 */
export function describePostgres(url: string): string {
  const [, authority = '', path = '', query = ''] = /^[^:]+:\/\/([^/?#]*)([^?#]*)\??([^#]*)/.exec(url) ?? [];
  const params = new URLSearchParams(query);
  const decode = (s: string) => { try { return decodeURIComponent(s); } catch { return s; } };
  const host = decode(authority.slice(authority.lastIndexOf('@') + 1)) || params.get('host') || 'localhost';
  const database = decode(path.replace(/^\//, '')) || params.get('dbname') || params.get('database') || '';
  return host.startsWith('/') ? `socket ${host}${database ? ` database ${database}` : ''}` : `${host}/${database}`;
}

export async function isReachable(store: Store): Promise<boolean> {
  try {
    await store.db.selectFrom('tenant').select('id').limit(1).execute();
    return true;
  } catch {
    return false;
  }
}
