import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as foundation from './migrations/001_foundation.js';
import * as places from './migrations/002_places.js';
import * as reimbursement from './migrations/003_reimbursement.js';
import * as kit from './migrations/004_kit.js';
import * as trust from './migrations/005_trust.js';
import * as throttling from './migrations/006_throttling.js';
import * as communes from './migrations/007_communes.js';
import * as notifications from './migrations/008_notifications.js';
import * as mergesAndRefusals from './migrations/009_merges_and_refusals.js';
import * as apiTokens from './migrations/010_api_tokens.js';
import * as diagnosticSteps from './migrations/012_diagnostic_steps.js';
import * as decisionNotifications from './migrations/013_decision_notifications.js';
import * as pilotage from './migrations/014_pilotage.js';
import * as nudges from './migrations/015_nudges.js';
import * as coverage from './migrations/016_coverage.js';
import * as stateKind from './migrations/017_state_kind.js';
import type { DB } from './schema.js';

// Migrations are imported statically so that the compiled package needs no file-system discovery.
const migrations: Record<string, Migration> = {
  '001_foundation': foundation,
  '002_places': places,
  '003_reimbursement': reimbursement,
  '004_kit': kit,
  '005_trust': trust,
  '006_throttling': throttling,
  '007_communes': communes,
  '008_notifications': notifications,
  '009_merges_and_refusals': mergesAndRefusals,
  '010_api_tokens': apiTokens,
  '012_diagnostic_steps': diagnosticSteps,
  '013_decision_notifications': decisionNotifications,
  '014_pilotage': pilotage,
  '015_nudges': nudges,
  '016_coverage': coverage,
  '017_state_kind': stateKind,
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
