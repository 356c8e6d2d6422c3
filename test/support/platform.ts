import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { readConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { loadTerritoriesIfEmpty } from '../../src/territories/use-cases/load.js';
import type { OpenedPlatform } from '../../src/platform.js';

/**
 * TEST_DATABASE=postgresql runs a suite against DATABASE_URL, each platform in a schema of its own that is
 * dropped afterwards; otherwise an in-memory PGlite.
 */
/** The communes of a few départements are enough for the tests and load in a fraction of the time. */
const TEST_DEPARTEMENTS = ['44', '35', '85'];

export const testDatabaseKind = process.env.TEST_DATABASE === 'postgresql' ? 'postgresql' : 'pglite';

/** `departements`: communes of more départements (e.g. 75, 69, 13 for Paris, Lyon, Marseille and their arrondissements). */
export async function openTestPlatform(kind: 'pglite' | 'postgresql' = testDatabaseKind, options: { migrateUpTo?: string; departements?: string[] } = {}): Promise<OpenedPlatform & { dispose(): Promise<void> }> {
  const departements = [...TEST_DEPARTEMENTS, ...(options.departements ?? [])];
  const secret = randomBytes(16).toString('hex');
  const config = { ...readConfig({ DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE }), secret, secureCookies: false, publicUrl: 'http://localhost' };
  if (kind === 'postgresql') {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('TEST_DATABASE=postgresql demande DATABASE_URL');
    const schema = `test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const database = await openDatabase({ databaseUrl: url, searchPath: schema, poolSize: config.databasePoolSize });
    await migrateToLatest(database.db, options.migrateUpTo);
    await loadTerritoriesIfEmpty(database.db, departements);
    return {
      database, db: database.db, pool: database.pool, kind: database.kind, secret, config: { ...config, databaseUrl: url },
      async dispose() {
        await database.close();
        const cleanup = new pg.Client({ connectionString: url });
        await cleanup.connect();
        await cleanup.query(`drop schema ${schema} cascade`);
        await cleanup.end();
      },
    };
  }
  const database = await openDatabase({ dataDir: 'memory://' });
  await migrateToLatest(database.db, options.migrateUpTo);
  await loadTerritoriesIfEmpty(database.db, departements);
  return { database, db: database.db, pool: database.pool, kind: database.kind, secret, config, dispose: () => database.close() };
}
