import type { Config } from '../config.js';
import { DEMO_PASSWORD } from '../demo/seed.js';
import { expireVouchers } from '../pass/use-cases/expiry.js';
import { sendExpiryWarnings } from '../pass/use-cases/expiry-warnings.js';
import { sendNudges } from '../pilotage/use-cases/nudges.js';
import { refreshCoverage } from '../pilotage/use-cases/coverage.js';
import { PILOTAGE_REFRESH_INTERVAL_MS, refreshPilotage } from '../pilotage/use-cases/refresh.js';
import { createMailer } from '../shared/mailer.js';
import { openPlatform, seedDemoIfEmpty, type OpenedPlatform } from '../platform.js';
import { FAST_TEST_HASHES, verifyPassword } from '../accounts/use-cases/credentials.js';
import { buildApp } from '../app.js';
import { startupPublicUrlWarning } from './public-url.js';
import { ROLE_LABELS } from '../accounts/domain/roles.js';
import type { Role } from '../db/schema.js';

const EXPIRY_INTERVAL_MS = 60 * 60_000;
const NOTIFICATIONS_INTERVAL_MS = 60_000;
const NUDGES_INTERVAL_MS = 24 * 60 * 60_000;
const COVERAGE_INTERVAL_MS = 60 * 60_000;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The demo accounts' password is published in the README: a platform that still accepts it is only served on the
 * loopback interface (HOST defaults to 127.0.0.1), unless ALLOW_DEMO_ON_NETWORK=true says it is on purpose.
 */
async function refuseDemoPasswordsOnNetwork(platform: OpenedPlatform, config: Config): Promise<void> {
  if (LOOPBACK.has(config.host) || process.env.ALLOW_DEMO_ON_NETWORK === 'true') return;
  const demo = await platform.db.selectFrom('users').select(['email', 'password_hash']).where('email', 'like', '%@demo.inclusif.fr').execute();
  for (const user of demo) {
    if (await verifyPassword(user.password_hash, DEMO_PASSWORD)) {
      await platform.database.close();
      throw new Error(
        `Le compte de démonstration ${user.email} a encore le mot de passe publié « ${DEMO_PASSWORD} » : la plateforme refuse d’écouter sur ${config.host}. ` +
          'Servez-la sur 127.0.0.1 (HOST par défaut), changez ou supprimez les comptes de démonstration, ou posez ALLOW_DEMO_ON_NETWORK=true en connaissance de cause.',
      );
    }
  }
}

export async function serve(config: Config, loadDemo: boolean): Promise<void> {
  if (FAST_TEST_HASHES) throw new Error('INCLUSIF_TEST_FAST_HASHES=1 affaiblit les empreintes des mots de passe pour la suite de tests seulement : retirez-la pour servir la plateforme.');
  const platform = await openPlatform(config);
  const demoAccounts = loadDemo ? await seedDemoIfEmpty(platform) : null;
  await refuseDemoPasswordsOnNetwork(platform, config);
  const app = await buildApp(platform, { logger: true });
  // Every instance may run the expiry job: the row locks of its UPDATE expire each voucher once.
  // Warnings are claimed in expiry_warnings before sending, so several instances send each one once.
  const mailer = createMailer(config, (line) => app.log.info(line));
  const runExpiry = async () => {
    await expireVouchers(platform.db, null).catch((error) => app.log.error(error, 'expiration des chèques'));
    await sendExpiryWarnings(platform.db, mailer, config.publicUrl).catch((error) => app.log.error(error, 'avertissements d’expiration'));
  };
  const expiryTimer = setInterval(runExpiry, EXPIRY_INTERVAL_MS);
  // Nudges where value sleeps, daily on every instance: nudges_sent is unique per kind, organisation and period, so
  // each is recorded (and journaled) once; the dispatcher then informs and e-mails the right people.
  const runNudges = async () => {
    await sendNudges(platform.db)
      .then((run) => (run.sent.length ? app.notifications.kick() : undefined))
      .catch((error) => app.log.error(error, 'relances'));
  };
  const nudgesTimer = setInterval(runNudges, NUDGES_INTERVAL_MS);
  // Coverage gaps, hourly on every instance (an advisory lock orders two instances' runs; each replaces the tables).
  const runCoverage = async () => {
    await refreshCoverage(platform.db).catch((error) => app.log.error(error, 'couverture territoriale'));
  };
  const coverageTimer = setInterval(runCoverage, COVERAGE_INTERVAL_MS);
  // The pilotage's aggregates, every 30 s on every instance: a try-lock lets one refresh at a time (ADR 0010).
  let refreshing = false;
  const runPilotage = async () => {
    if (refreshing) return;
    refreshing = true;
    await refreshPilotage(platform.db).catch((error) => app.log.error(error, 'agrégats du pilotage')).finally(() => (refreshing = false));
  };
  const pilotageTimer = setInterval(runPilotage, PILOTAGE_REFRESH_INTERVAL_MS);
  // Notifications left by the command line, another instance's crash or a mail server that was down: every minute.
  const notificationsTimer = setInterval(() => app.notifications.kick(), NOTIFICATIONS_INTERVAL_MS);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal} reçu : arrêt propre`);
    clearInterval(expiryTimer);
    clearInterval(notificationsTimer);
    clearInterval(nudgesTimer);
    clearInterval(coverageTimer);
    clearInterval(pilotageTimer);
    await app.close();
    await platform.database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ port: config.port, host: config.host });
  await runExpiry();
  await runNudges();
  void runPilotage();
  void runCoverage();
  app.notifications.kick();
  const lines = [
    '',
    `Numérique inclusif est prêt : http://localhost:${config.port}/ (écoute sur ${config.host}${LOOPBACK.has(config.host) ? ' : cette machine seulement ; HOST=0.0.0.0 pour le réseau' : ''})`,
    `Base : ${platform.kind === 'pglite' ? `PGlite (${config.dataDir})` : 'PostgreSQL'} · API : http://localhost:${config.port}/api/v1/openapi.json`,
  ];
  if (demoAccounts) {
    lines.push(`Territoire de démonstration chargé (Loire-Atlantique). Comptes, mot de passe « ${DEMO_PASSWORD} » :`);
    for (const account of demoAccounts) lines.push(`  ${account.email.padEnd(32)} ${(ROLE_LABELS[account.role as Role] ?? account.role).padEnd(24)} ${account.organisation}`);
  } else if (loadDemo) {
    lines.push(`Base existante : comptes de démonstration inchangés (mot de passe « ${DEMO_PASSWORD} », voir « inclusif users list »).`);
  }
  console.log(lines.join('\n'));
  // Outside the demo, documents must carry the platform's real address (the booklets' QR codes, the e-mails' links).
  const warning = await startupPublicUrlWarning(platform.db, config, demoAccounts !== null);
  if (warning) {
    console.warn(`\n${warning}\n`);
    app.log.warn(warning.replace(/\n/g, ' '));
  }
}
