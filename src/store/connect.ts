// Opens the one store: embedded SQLite (default) or PostgreSQL, behind the same Kysely API.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, SqliteDialect, PostgresDialect, sql, type PostgresPoolClient, type SqliteDatabase } from 'kysely';
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
  /** PostgreSQL: wait this long for a connection, new or free in the pool (tests shorten it). */
  connectTimeoutMs?: number;
  /** PostgreSQL: wait this long for a statement's answer (tests shorten it). */
  queryTimeoutMs?: number;
}

// A PostgreSQL that stops answering (hung, or a network path that silently drops packets)
// must fail requests, not hold them and their pool connections forever. A healthy server
// opens a connection in milliseconds and runs each of our statements in far less than the
// bounds: they are meant to be met only by a server that is not answering.
const CONNECT_TIMEOUT_MS = 5_000;
const QUERY_TIMEOUT_MS = 30_000;
/** /health/ready answers 503 after this long, before a load balancer's own probe timeout. */
const READY_TIMEOUT_MS = 2_000;

export function openStore(url: string, dataDir: string, poolSize = 10, onConnectionLost?: (err: Error) => void, options: StoreOptions = {}): Store {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const where = describePostgres(url);
    const connectTimeout = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    // pg is loaded on the first query, not at start: on SQLite it is never needed, and
    // loading it costs 40 ms of a cold start (it builds a fetch Response to detect Cloudflare).
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: async () => {
      const { default: pg } = await import('pg');
      // int8 (COUNT, bigint columns) arrives as a string from pg; our values fit in a double.
      pg.types.setTypeParser(20, Number);
      // query_timeout is the client's own clock: statement_timeout would be PostgreSQL's, which
      // a hung server never runs, and PgBouncer refuses it as a startup parameter.
      const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: connectTimeout, query_timeout: options.queryTimeoutMs ?? QUERY_TIMEOUT_MS });
      // A connection dropped by the server (restart, failover, pg_terminate_backend) emits
      // 'error' on its client; with no listener that ends the process. The pool listens only
      // while the client is idle, so each client gets its own listener for the time it is
      // checked out too: the query in flight fails on its own (the request gets a 5xx) and
      // the pool discards the broken client when it is released. One report per connection:
      // a client emits once for PostgreSQL's message and again when the socket closes.
      pool.on('connect', (client) => {
        let reported = false;
        client.on('error', (err) => {
          if (!reported) onConnectionLost?.(err);
          reported = true;
        });
      });
      // Idle clients' errors are re-emitted here; the listener above has reported them.
      pool.on('error', () => {});
      const inner = options.preparedStatements === false ? pool : preparingPool(pool);
      return {
        connect: () => inner.connect().then(discardedAfterTimeout, (err: unknown) => { throw unreachable(err, where, connectTimeout, poolSize); }),
        end: () => inner.end(),
      };
    } }) });
    return { db, dialect: 'postgres', where: `PostgreSQL ${where}`, close: () => db.destroy() };
  }
  const file = url ? url.replace(/^sqlite:(\/\/)?/, '') : resolve(dataDir, 'gatehouse.db');
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const sqlite = openSqlite(file);
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

/** Why a node is not ready to serve, as /health/ready says it. */
export type StoreProblem = 'unreachable' | 'read-only';

/**
 * Whether the store can serve sign-ins: it answers a query within READY_TIMEOUT_MS (a hung
 * PostgreSQL would hold the probe) and, on PostgreSQL, takes writes. Every sign-in writes:
 * a node whose DATABASE_URL points at a standby after a failover (or at a database set to
 * default_transaction_read_only) answered every query and failed every sign-in while its
 * probe said UP.
 */
export async function storeProblem(store: Store, timeoutMs = READY_TIMEOUT_MS): Promise<StoreProblem | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<StoreProblem>((resolve) => { timer = setTimeout(() => resolve('unreachable'), timeoutMs); });
  const probe = store.dialect === 'postgres'
    ? sql<{ standby: boolean; read_only: string }>`select pg_is_in_recovery() as standby, current_setting('transaction_read_only') as read_only`.execute(store.db)
      .then(({ rows: [row] }): StoreProblem | undefined => (row && (row.standby || row.read_only === 'on') ? 'read-only' : undefined))
    : store.db.selectFrom('tenant').select('id').limit(1).execute().then(() => undefined);
  try {
    return await Promise.race([probe.catch((): StoreProblem => 'unreachable'), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * SQLite's own messages ("file is not a database", "unable to open database file") do not
 * say which file: the operator has to know where data_dir or database.url pointed.
 */
function openSqlite(file: string): SQLite.Database {
  const named = (err: unknown) => new Error(`cannot open the SQLite database ${file === ':memory:' ? file : resolve(file)}: ${(err as Error).message}`, { cause: err });
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(file);
  } catch (err) {
    throw named(err);
  }
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
  } catch (err) {
    sqlite.close();
    throw named(err);
  }
  return sqlite;
}

const QUERY_TIMED_OUT = 'Query read timeout';

/**
 * pg gives up waiting on a statement but leaves it on the connection: the ROLLBACK that
 * follows, and every statement of the connection's next users, would queue behind it and
 * wait out the timeout again, and a connection behind a dead network path would stay in the
 * pool for good. After a timeout the rest of the checkout fails at once, and the connection
 * is closed instead of returned to the pool.
 */
function discardedAfterTimeout(client: PostgresPoolClient): PostgresPoolClient {
  let timedOut: Error | undefined;
  return {
    query: ((...args: Parameters<PostgresPoolClient['query']>) => {
      if (timedOut) return Promise.reject(timedOut);
      const result = (client.query as (...a: unknown[]) => unknown)(...args);
      if (!(result instanceof Promise)) return result; // a cursor
      return result.catch((err: unknown) => {
        if ((err as Error).message === QUERY_TIMED_OUT) timedOut = err as Error;
        throw err;
      });
    }) as PostgresPoolClient['query'],
    release: (destroy) => client.release(destroy || timedOut !== undefined),
  };
}

/** No connection to hand out: says to which server, and why, in words (never the password). */
export class StoreUnreachableError extends Error {
  readonly code: string | undefined;
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'StoreUnreachableError';
    this.code = (cause as { code?: string }).code;
  }
}

function unreachable(err: unknown, where: string, timeoutMs: number, poolSize: number): StoreUnreachableError {
  const message = (err as Error).message;
  // pg-pool's words for "every connection was busy for the whole wait": PostgreSQL may be fine.
  if (message === 'timeout exceeded when trying to connect') {
    return new StoreUnreachableError(`no connection to PostgreSQL at ${where} became free within ${timeoutMs} ms (all ${poolSize} busy, or the server does not answer)`, err);
  }
  if (/connection timeout/.test(message)) return new StoreUnreachableError(`cannot connect to PostgreSQL at ${where}: no answer within ${timeoutMs} ms`, err);
  return new StoreUnreachableError(`cannot connect to PostgreSQL at ${where}: ${message}`, err);
}
