// A query built and compiled by Kysely once, then run many times with new values. Building
// and compiling costs 5–15 µs a query (immutable nodes, frozen at every step); for the
// provider's storage, about fifteen statements per sign-in, that was a noticeable part of
// the event loop's time. Use it only for hot statements with a fixed shape.
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database } from './database.js';

// Stands in for a named value while the query is compiled; no real value looks like it.
const MARK = '\u0000gatehouse-parameter:';

/**
 * `build` receives `param(name)`, a placeholder to use wherever a value goes; the returned
 * function compiles on first use (per database) and fills the placeholders by name.
 */
export function compileOnce<P extends string>(build: (db: Kysely<Database>, param: (name: P) => never) => Compilable) {
  const compiled = new WeakMap<Kysely<Database>, { sql: string; parameters: ReadonlyArray<unknown>; names: Array<P | undefined> }>();
  return function query(db: Kysely<Database>, values: Readonly<Record<P, unknown>>): CompiledQuery {
    let done = compiled.get(db);
    if (!done) {
      const { sql, parameters } = build(db, (name) => `${MARK}${name}` as never).compile();
      const names = parameters.map((p) => (typeof p === 'string' && p.startsWith(MARK) ? (p.slice(MARK.length) as P) : undefined));
      done = { sql, parameters, names };
      compiled.set(db, done);
    }
    const { names } = done;
    return CompiledQuery.raw(done.sql, done.parameters.map((fixed, i) => (names[i] === undefined ? fixed : values[names[i]!])));
  };
}
