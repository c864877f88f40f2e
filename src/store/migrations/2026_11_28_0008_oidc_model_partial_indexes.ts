// Frozen in time: never import application code here.
//
// The secondary indexes of oidc_model cover only the rows that carry the column. Two
// reasons. On PostgreSQL without statistics yet (a new table, or autovacuum off), the
// planner took the smaller uid index for a lookup by primary key — same (tenant_id, kind)
// prefix — and filtered every row of that kind: each find was a scan of the table. A
// partial index cannot answer a query that does not say `uid = …`, so that plan is gone
// whatever the statistics. And most rows (interactions, codes) have no uid, and
// interactions no grant or account either: fewer B-tree entries to write per sign-in.
import type { Kysely } from 'kysely';

const PARTIAL = [
  { name: 'oidc_model_uid_idx', columns: ['tenant_id', 'kind', 'uid'], column: 'uid' },
  { name: 'oidc_model_grant_idx', columns: ['tenant_id', 'grant_id'], column: 'grant_id' },
  { name: 'oidc_model_account_idx', columns: ['tenant_id', 'account_id'], column: 'account_id' },
  { name: 'oidc_model_expiry_idx', columns: ['expires_at'], column: 'expires_at' },
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const index of PARTIAL) {
    await db.schema.dropIndex(index.name).ifExists().execute();
    await db.schema.createIndex(index.name).on('oidc_model').columns([...index.columns]).where(index.column, 'is not', null).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of PARTIAL) {
    await db.schema.dropIndex(index.name).ifExists().execute();
    await db.schema.createIndex(index.name).on('oidc_model').columns([...index.columns]).execute();
  }
}
