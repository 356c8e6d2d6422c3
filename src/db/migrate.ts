import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as foundation from './migrations/001_foundation.js';
import * as places from './migrations/002_places.js';
import * as reimbursement from './migrations/003_reimbursement.js';
import * as kit from './migrations/004_kit.js';
import * as trust from './migrations/005_trust.js';
import * as throttling from './migrations/006_throttling.js';
import type { DB } from './schema.js';

// Migrations are imported statically so that the compiled package needs no file-system discovery.
const migrations: Record<string, Migration> = {
  '001_foundation': foundation,
  '002_places': places,
  '003_reimbursement': reimbursement,
  '004_kit': kit,
  '005_trust': trust,
  '006_throttling': throttling,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Up to the newest migration, or (tests of a migration's data rules) up to the one named. */
export async function migrateToLatest(db: Kysely<DB>, upTo?: string): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in every schema: pin them to ours, or a neighbour's would be taken.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const migrator = new Migrator({ db, provider, migrationTableSchema: rows[0]!.schema });
  const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
