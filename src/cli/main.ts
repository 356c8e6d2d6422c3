import { loadItemBank } from '../kit/use-cases/item-bank-file.js';
import { ItemBankError } from '../kit/domain/item-bank.js';
import { TOPICS, type Topic } from '../kit/domain/topics.js';
import { Command, Option } from 'commander';
import { readConfig } from '../config.js';
import { DataDirLockedError } from '../db/lock.js';
import { migrateToLatest } from '../db/migrate.js';
import { ROLE_LABELS, ROLES } from '../accounts/domain/roles.js';
import { isOrganisationKind, KIND_LABELS, ORGANISATION_KINDS, type OrganisationKind } from '../accounts/domain/organisation-kinds.js';
import { SYSTEM_PRINCIPAL } from '../accounts/domain/principal.js';
import { membershipsOutsideKinds, setHubTerritory, setOrganisationKinds } from '../accounts/use-cases/members.js';
import { createApiToken, createOrganisation, createUser, listOrganisations, listUsers } from '../accounts/use-cases/store.js';
import { DEMO_PASSWORD } from '../demo/seed.js';
import { recordPayment } from '../pass/use-cases/activation.js';
import { expireVouchers } from '../pass/use-cases/expiry.js';
import { sendExpiryWarnings, WARNING_DAYS } from '../pass/use-cases/expiry-warnings.js';
import { nudgesCommand } from './nudges.js';
import { coverageCommand } from './coverage.js';
import { createMailer } from '../shared/mailer.js';
import { issueOrder } from '../pass/use-cases/issuance.js';
import { verifyLedger } from '../pass/use-cases/ledger.js';
import { listVouchers, VOUCHER_STATUSES } from '../pass/use-cases/vouchers.js';
import { openPlatform, seedDemoIfEmpty, type OpenedPlatform } from '../platform.js';
import { DomainError } from '../shared/errors.js';
import { formatEuros } from '../shared/money.js';
import { formatNumber, plural } from '../shared/french.js';
import { frenchDay } from '../shared/dates.js';
import { VOUCHER_STATUS_LABELS } from '../pass/domain/voucher-labels.js';
import { formatBookletNumber } from '../pass/domain/booklet-number.js';
import { frenchCommander, isCommanderExit } from './commander-french.js';
import { formatTable, type Column } from './table.js';
import { serve } from './serve.js';
import { placesCommand } from './places.js';
import { opendataCommand } from './opendata.js';
import { bookletsCommand, reimbursementsCommand } from './money.js';
import type { Role, VoucherStatus } from '../db/schema.js';

function kindList(value: string | undefined): OrganisationKind[] {
  const kinds = (value ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = kinds.filter((k) => !isOrganisationKind(k));
  if (unknown.length) throw new DomainError('invalid', 'type_inconnu', `Type d’organisation inconnu : ${unknown.join(', ')} (types : ${ORGANISATION_KINDS.join(', ')}).`);
  return kinds as OrganisationKind[];
}

/** Opens the platform for one command and always closes it, so the PGlite lock is released. */
async function withPlatform<T>(run: (platform: OpenedPlatform) => Promise<T>): Promise<T> {
  const platform = await openPlatform(readConfig());
  try {
    return await run(platform);
  } finally {
    await platform.database.close();
  }
}

/** A list for a person: French headings and values (dates, statuses, roles); --json gives the raw rows. */
function table<Row>(rows: Row[], columns: Column<Row>[]): void {
  console.log(formatTable(rows, columns));
}

const kindsText = (kinds: string[]) => kinds.map((k) => KIND_LABELS[k as OrganisationKind] ?? k).join(', ') || 'aucun';
const roleText = (role: Role) => ROLE_LABELS[role] ?? role;

const program = new Command('inclusif').description('Numérique inclusif : plateforme du pass numérique et de la médiation numérique.');

program
  .command('serve')
  .description('Démarre le serveur web (PGlite dans DATA_DIR, ou PostgreSQL si DATABASE_URL est défini).')
  .option('--no-demo', 'ne pas charger le territoire de démonstration dans une base vide')
  .action(async (options: { demo: boolean }) => serve(readConfig(), options.demo));

program
  .command('migrate')
  .description('Applique les migrations du schéma de la base.')
  .action(() =>
    withPlatform(async (platform) => {
      const applied = await migrateToLatest(platform.db);
      console.log(applied.length ? `Migrations appliquées : ${applied.join(', ')}` : 'La base est à jour.');
    }),
  );

program
  .command('demo')
  .description('Charge le territoire de démonstration (Loire-Atlantique) et une année d’activité sur plusieurs départements dans une base vide.')
  .action(() =>
    withPlatform(async (platform) => {
      const accounts = await seedDemoIfEmpty(platform);
      if (!accounts) return console.log('La base contient déjà des organisations : la démonstration n’est pas chargée.');
      console.log(`Démonstration chargée. Comptes (mot de passe ${DEMO_PASSWORD}) :`);
      for (const account of accounts) console.log(`  ${account.email}  (${roleText(account.role as Role)}, ${account.organisation})`);
    }),
  );

const organisations = program.command('organisations').description('Organisations (SIRET).');
organisations
  .command('create')
  .description('Crée une organisation.')
  .requiredOption('--name <nom>', 'raison sociale')
  .option('--siret <siret>', 'SIRET (14 chiffres, clé de Luhn vérifiée)')
  .option('--departement <code>', 'département (code INSEE)')
  .option('--kind <types>', `types de l’organisation, séparés par des virgules (${ORGANISATION_KINDS.map((k) => `${k} : ${KIND_LABELS[k]}`).join(', ')})`)
  .action((options: { name: string; siret?: string; departement?: string; kind?: string }) =>
    withPlatform(async (platform) => {
      const kinds = kindList(options.kind);
      const id = await createOrganisation(platform.db, { name: options.name, siret: options.siret, departementCode: options.departement, kinds }, null);
      console.log(`Organisation créée : n° ${id}`);
    }),
  );
organisations
  .command('kinds <id> <types>')
  .description(`Fixe les types d’une organisation, séparés par des virgules (${ORGANISATION_KINDS.map((k) => `${k} : ${KIND_LABELS[k]}`).join(', ')}), en tant que système ; journalisé.`)
  .action((id: string, types: string) =>
    withPlatform(async (platform) => {
      await setOrganisationKinds(platform.db, SYSTEM_PRINCIPAL, Number(id), kindList(types));
      console.log(`Types de l’organisation n° ${id} : ${kindsText(kindList(types))}.`);
    }),
  );
organisations
  .command('territory <id> <departements>')
  .description('Fixe le territoire d’un hub (2 à 5 codes de département séparés par des virgules) ; journalisé.')
  .action((id: string, departements: string) =>
    withPlatform(async (platform) => {
      await setHubTerritory(platform.db, SYSTEM_PRINCIPAL, Number(id), departements.split(','));
      console.log(`Territoire du hub n° ${id} : ${departements.split(',').map((d) => d.trim()).join(', ')}.`);
    }),
  );

program
  .command('memberships')
  .description('Adhésions.')
  .command('review')
  .description('Liste les adhésions dont le rôle ne correspond pas au type de l’organisation : elles ne donnent aucun droit.')
  .option('--json', 'sortie JSON')
  .action((options: { json?: boolean }) =>
    withPlatform(async (platform) => {
      const rows = await membershipsOutsideKinds(platform.db);
      options.json
        ? console.log(JSON.stringify(rows, null, 2))
        : table(rows, [
            { heading: 'Organisation', value: (r) => r.organisation_name },
            { heading: 'Types', value: (r) => kindsText(r.kinds) },
            { heading: 'Adresse e-mail', value: (r) => r.email },
            { heading: 'Rôle sans effet', value: (r) => roleText(r.role) },
          ]);
    }),
  );
organisations
  .command('list')
  .description('Liste les organisations.')
  .option('--json', 'sortie JSON')
  .action((options: { json?: boolean }) =>
    withPlatform(async (platform) => {
      const rows = await listOrganisations(platform.db);
      options.json
        ? console.log(JSON.stringify(rows, null, 2))
        : table(rows, [
            { heading: 'N°', value: (r) => r.id },
            { heading: 'Nom', value: (r) => r.name },
            { heading: 'SIRET', value: (r) => r.siret },
            { heading: 'Département', value: (r) => r.departement_code },
            { heading: 'Types', value: (r) => kindsText(r.kinds) },
          ]);
    }),
  );

const users = program.command('users').description('Comptes utilisateurs.');
users
  .command('create')
  .description('Crée un compte membre d’une organisation.')
  .requiredOption('--email <email>', 'adresse e-mail')
  .requiredOption('--organisation <id>', 'numéro de l’organisation (voir « organisations list »)')
  .addOption(new Option('--role <rôle>', 'rôle dans l’organisation').choices(ROLES).makeOptionMandatory())
  .option('--name <nom>', 'nom affiché')
  .option('--password <mot de passe>', 'mot de passe (12 caractères au moins) ; sinon la variable INCLUSIF_PASSWORD')
  .option('--org-admin', 'administrateur de l’organisation (peut inviter des collègues)')
  .action((options: { email: string; organisation: string; role: Role; name?: string; password?: string; orgAdmin?: boolean }) =>
    withPlatform(async (platform) => {
      const password = options.password ?? process.env.INCLUSIF_PASSWORD;
      if (!password) throw new DomainError('invalid', 'mot_de_passe', 'Indiquez un mot de passe avec --password ou la variable INCLUSIF_PASSWORD.');
      const id = await createUser(
        platform.db,
        { email: options.email, displayName: options.name ?? options.email, password, organisationId: Number(options.organisation), role: options.role, isOrgAdmin: options.orgAdmin ?? false },
        null,
      );
      console.log(`Compte créé : n° ${id} (${options.email}, ${roleText(options.role)}).`);
    }),
  );
users
  .command('list')
  .description('Liste les comptes : e-mail, organisation, rôle.')
  .option('--json', 'sortie JSON')
  .action((options: { json?: boolean }) =>
    withPlatform(async (platform) => {
      const rows = (await listUsers(platform.db)).map((row) => ({ email: row.email, organisation: row.organisation, role: row.role }));
      options.json
        ? console.log(JSON.stringify(rows, null, 2))
        : table(rows, [
            { heading: 'Adresse e-mail', value: (r) => r.email },
            { heading: 'Organisation', value: (r) => r.organisation },
            { heading: 'Rôle', value: (r) => roleText(r.role) },
          ]);
    }),
  );

program
  .command('tokens')
  .description('Jetons d’API personnels.')
  .command('create')
  .description('Crée un jeton d’API personnel et l’affiche (une seule fois).')
  .requiredOption('--email <email>', 'compte propriétaire du jeton')
  .requiredOption('--name <nom>', 'nom du jeton (à quoi il sert)')
  .action((options: { email: string; name: string }) =>
    withPlatform(async (platform) => {
      console.log(await createApiToken(platform.db, options.email, options.name));
    }),
  );

const vouchers = program.command('vouchers').description('Chèques du pass numérique.');
vouchers
  .command('list')
  .description('Vue opérateur des chèques : code, carnet, programme, statut.')
  .addOption(new Option('--status <statut>', `filtrer par statut : ${VOUCHER_STATUSES.map((s) => `${s} (${VOUCHER_STATUS_LABELS[s].toLowerCase()})`).join(', ')}`).choices(VOUCHER_STATUSES))
  .option('--limit <n>', 'nombre maximum de lignes', '50')
  .option('--json', 'sortie JSON')
  .action((options: { status?: VoucherStatus; limit: string; json?: boolean }) =>
    withPlatform(async (platform) => {
      const rows = await listVouchers(platform.db, platform.secret, { status: options.status, limit: Number(options.limit) });
      options.json
        ? console.log(JSON.stringify(rows, null, 2))
        : table(rows, [
            { heading: 'Code', value: (r) => r.code },
            { heading: 'Carnet', value: (r) => formatBookletNumber(r.booklet) },
            { heading: 'Programme', value: (r) => r.programme },
            { heading: 'Statut', value: (r) => VOUCHER_STATUS_LABELS[r.status] },
            { heading: 'Valable jusqu’au', value: (r) => frenchDay(r.expiresAt) },
          ]);
    }),
  );
vouchers
  .command('expire')
  .description('Fait expirer les chèques échus ; leur valeur revient aux financeurs.')
  .action(() =>
    withPlatform(async (platform) => {
      const result = await expireVouchers(platform.db, null);
      console.log(result.voucherCount === 0 ? 'Aucun chèque échu : rien n’a expiré.' : `${plural(result.voucherCount, 'chèque expiré', 'chèques expirés')}, ${formatEuros(result.amountCents)} à rendre aux financeurs.`);
    }),
  );

vouchers
  .command('warn')
  .description(`Avertit par courriel les financeurs et prescripteurs dont des carnets non remis expirent dans les ${WARNING_DAYS} jours.`)
  .action(() =>
    withPlatform(async (platform) => {
      const sent = await sendExpiryWarnings(platform.db, createMailer(platform.config), platform.config.publicUrl);
      console.log(sent === 0 ? 'Aucun avertissement à envoyer.' : `${plural(sent, 'avertissement envoyé', 'avertissements envoyés')}.`);
    }),
  );

const orders = program.command('orders').description('Commandes de carnets.');
orders
  .command('issue')
  .description('Émet les carnets et chèques d’une commande (en une transaction).')
  .argument('<id>', 'numéro de la commande')
  .action((id: string) =>
    withPlatform(async (platform) => {
      const started = Date.now();
      const result = await issueOrder(platform.db, null, Number(id));
      console.log(`${plural(result.bookletCount, 'carnet')}, ${plural(result.voucherCount, 'chèque')} émis en ${formatNumber((Date.now() - started) / 1000, 1)} s (carnets ${formatBookletNumber(result.firstBookletNumber)} à ${formatBookletNumber(result.lastBookletNumber)}).`);
    }),
  );
orders
  .command('pay')
  .description('Enregistre le paiement du financeur et active les chèques de la commande.')
  .argument('<id>', 'numéro de la commande')
  .requiredOption('--reference <référence>', 'référence du paiement')
  .action((id: string, options: { reference: string }) =>
    withPlatform(async (platform) => {
      const count = await recordPayment(platform.db, null, Number(id), options.reference);
      console.log(`Paiement enregistré : ${plural(count, 'chèque activé', 'chèques activés')}.`);
    }),
  );

program.addCommand(placesCommand(withPlatform));
program.addCommand(bookletsCommand(withPlatform));
program.addCommand(reimbursementsCommand(withPlatform));
program.addCommand(opendataCommand(withPlatform));

program
  .command('ledger')
  .description('Grand livre.')
  .command('verify')
  .description('Prouve pour chaque programme : engagé = encaissé + expiré + en circulation, au centime.')
  .action(() =>
    withPlatform(async (platform) => {
      const report = await verifyLedger(platform.db);
      for (const p of report.programmes) {
        console.log(
          `${p.balanced ? 'OK ' : 'KO '} ${p.programmeName} : engagé ${formatEuros(p.committedCents)} = encaissé ${formatEuros(p.redeemedCents)} + expiré ${formatEuros(p.expiredCents)} + en circulation ${formatEuros(p.outstandingCents)} ; remboursé aux lieux ${formatEuros(p.reimbursedCents)}`,
        );
      }
      if (report.unbalancedTransactions.length) console.log(`Écritures déséquilibrées : ${report.unbalancedTransactions.join(', ')}`);
      console.log(report.ok ? 'Grand livre équilibré.' : 'ANOMALIE : le grand livre n’est pas équilibré.');
      if (!report.ok) process.exitCode = 1;
    }),
  );

program
  .command('diagnostic')
  .description('Diagnostic du kit d’intervention rapide.')
  .command('check-items')
  .argument('[fichier]', 'fichier JSON des questions (par défaut : DIAGNOSTIC_ITEMS_FILE ou celui livré)')
  .description('Vérifie un fichier de questions avant de le déployer : liste chaque problème, sans base de données.')
  .action((file?: string) => {
    try {
      const bank = loadItemBank(file ?? readConfig().diagnosticItemsFile);
      const counts = [...bank.ladders.entries()].map(([topic, ladder]) => `${TOPICS[topic as Topic] ?? topic} : ${ladder.length}`).join(' ; ');
      console.log(`Fichier valide, version ${bank.version} : ${plural(bank.items.length, 'question', 'questions', { feminine: true })} (${counts}).`);
    } catch (error) {
      if (!(error instanceof ItemBankError)) throw error;
      console.error(error.message);
      process.exitCode = 1;
    }
  });

program.addCommand(nudgesCommand(withPlatform));
program.addCommand(coverageCommand(withPlatform));

frenchCommander(program);

try {
  await program.parseAsync();
} catch (error) {
  if (isCommanderExit(error)) {
    // Commander already wrote the help or its (French) error message.
    process.exitCode = error.exitCode;
  } else if (error instanceof DataDirLockedError || error instanceof DomainError) {
    console.error(`Erreur : ${error.message}`);
    process.exitCode = error instanceof DataDirLockedError ? 3 : 2;
  } else {
    throw error;
  }
}
