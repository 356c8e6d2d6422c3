import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { seedDemo, type DemoAccount } from './demo/seed.js';
import { seedDemoActivity } from './demo/activity.js';
import { loadSecret } from './shared/secret.js';
import { loadTerritoriesIfEmpty } from './territories/use-cases/load.js';
import { loadCommuneFactsIfMissing } from './pilotage/use-cases/commune-facts.js';
import type { Platform } from './app.js';

export interface OpenedPlatform extends Platform {
  database: Database;
}

/** Opens the database, brings its schema and referentials up to date: every entry point starts here. */
export async function openPlatform(config: Config): Promise<OpenedPlatform> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
  try {
    await migrateToLatest(database.db);
    await loadTerritoriesIfEmpty(database.db);
    await loadCommuneFactsIfMissing(database.db);
    const secret = await loadSecret(database.db, config.secret);
    return { database, db: database.db, pool: database.pool, kind: database.kind, secret, config };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/**
 * The demo territory is loaded only into an empty platform (no organisation yet): the Loire-Atlantique demo, then a
 * year of activity on several départements (demo/activity.ts) so that the pilotage shows something at once.
 */
export async function seedDemoIfEmpty(platform: OpenedPlatform): Promise<DemoAccount[] | null> {
  const existing = await platform.db.selectFrom('organisations').select('id').limit(1).executeTakeFirst();
  if (existing) return null;
  const accounts = await seedDemo(platform.db);
  return [...accounts, ...(await seedDemoActivity(platform.db))];
}
