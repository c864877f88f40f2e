// What start-up messages and /health say about a PostgreSQL store: where it is, never the
// password, for every URL form that node-postgres accepts (libpq's socket forms included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePostgres } from '../../src/store/connect.js';

test('a PostgreSQL URL is described by host and database, without its password', () => {
  const cases: Array<[string, string]> = [
    ['postgres://gh:s3cret@db.internal:5432/gatehouse', 'db.internal:5432/gatehouse'],
    ['postgresql://gh:s3cret@db.internal/gatehouse?sslmode=require&password=s3cret', 'db.internal/gatehouse'],
    ['postgres://gh:p%40ss@10.0.0.5:6432/gh', '10.0.0.5:6432/gh'],
    ['postgres://gh:s3cret@/gatehouse?host=/var/run/postgresql', 'socket /var/run/postgresql database gatehouse'],
    ['postgres:///gatehouse?host=/var/run/postgresql&password=s3cret', 'socket /var/run/postgresql database gatehouse'],
    ['postgres://%2Fvar%2Frun%2Fpostgresql/gatehouse', 'socket /var/run/postgresql database gatehouse'],
    ['postgres://gh@/gatehouse', 'localhost/gatehouse'],
  ];
  for (const [url, expected] of cases) {
    const described = describePostgres(url);
    assert.equal(described, expected, url);
    assert.ok(!described.includes('s3cret') && !described.includes('p@ss'), `${url}: no password in "${described}"`);
  }
});
