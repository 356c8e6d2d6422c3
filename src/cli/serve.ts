import type { Config } from '../config.js';
import { DEMO_PASSWORD } from '../demo/seed.js';
import { expireVouchers } from '../pass/use-cases/expiry.js';
import { sendExpiryWarnings } from '../pass/use-cases/expiry-warnings.js';
import { createMailer } from '../shared/mailer.js';
import { openPlatform, seedDemoIfEmpty } from '../platform.js';
import { buildApp } from '../app.js';

const EXPIRY_INTERVAL_MS = 60 * 60_000;

export async function serve(config: Config, loadDemo: boolean): Promise<void> {
  const platform = await openPlatform(config);
  const demoAccounts = loadDemo ? await seedDemoIfEmpty(platform) : null;
  const app = await buildApp(platform, { logger: true });
  // Every instance may run the expiry job: the row locks of its UPDATE expire each voucher once.
  // Warnings are claimed in expiry_warnings before sending, so several instances send each one once.
  const mailer = createMailer(config, (line) => app.log.info(line));
  const runExpiry = async () => {
    await expireVouchers(platform.db, null).catch((error) => app.log.error(error, 'expiration des chèques'));
    await sendExpiryWarnings(platform.db, mailer, config.publicUrl).catch((error) => app.log.error(error, 'avertissements d’expiration'));
  };
  const expiryTimer = setInterval(runExpiry, EXPIRY_INTERVAL_MS);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal} reçu : arrêt propre`);
    clearInterval(expiryTimer);
    await app.close();
    await platform.database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ port: config.port, host: config.host });
  await runExpiry();
  const lines = [
    '',
    `Numérique inclusif est prêt : http://localhost:${config.port}/`,
    `Base : ${platform.kind === 'pglite' ? `PGlite (${config.dataDir})` : 'PostgreSQL'} · API : http://localhost:${config.port}/api/v1/openapi.json`,
  ];
  if (demoAccounts) {
    lines.push(`Territoire de démonstration chargé (Loire-Atlantique). Comptes, mot de passe « ${DEMO_PASSWORD} » :`);
    for (const account of demoAccounts) lines.push(`  ${account.email.padEnd(32)} ${account.role.padEnd(11)} ${account.organisation}`);
  } else if (loadDemo) {
    lines.push(`Base existante : comptes de démonstration inchangés (mot de passe « ${DEMO_PASSWORD} », voir « inclusif users list »).`);
  }
  console.log(lines.join('\n'));
}
