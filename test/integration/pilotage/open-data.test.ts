import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { SYSTEM_PRINCIPAL } from '../../../src/accounts/domain/principal.js';
import { buildApp } from '../../../src/app.js';
import { recordAccompaniment } from '../../../src/kit/use-cases/accompaniments.js';
import { addMonths } from '../../../src/pilotage/domain/open-data.js';
import { writeOpenDataDirectory } from '../../../src/pilotage/use-cases/open-data.js';
import { refreshPilotage } from '../../../src/pilotage/use-cases/refresh.js';
import { parisDay } from '../../../src/shared/dates.js';
import { fromRoot } from '../../../src/shared/paths.js';
import { openTestPlatform } from '../../support/platform.js';
import { validateCsv, type TableSchemaFile } from '../../support/table-schema.js';
import { addPlace, buildWorld } from '../../support/world.js';

const run = promisify(execFile);
/** The CLI as an operator runs it; the refusals tested here come before any database is opened. */
const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', fromRoot('src', 'cli', 'main.ts'), ...args], { cwd: fromRoot(), env: { ...process.env, DATA_DIR: join(tmpdir(), 'inclusif-opendata-jamais-ouvert') } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

const official = JSON.parse(await readFile(fromRoot('test', 'fixtures', 'lieux-mediation-numerique.schema.json'), 'utf8')) as TableSchemaFile;

describe('open data: files valid against their Table Schemas, privacy rules applied, CLI and API the same bytes', () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  let out: string;
  let month: string;
  const files: Record<string, string> = {};

  before(async () => {
    platform = await openTestPlatform();
    const { db, secret } = platform;
    const world = await buildWorld(db);
    const placeC = await addPlace(db, world.mediatorA.organisationId, '44143');
    month = addMonths(parisDay().slice(0, 7), -1);
    const anonymous = (n: number) => Array.from({ length: n }, () => ({}));
    const workshop = (placeId: number, participants: number, principal = world.mediatorA.principal) =>
      recordAccompaniment(db, secret, principal, { kind: participants === 1 ? 'individual' : 'workshop', placeId, date: `${month}-10`, durationMinutes: 90, themes: ['courriel'], participants: anonymous(participants) });
    await workshop(world.placeA, 30); // Nantes: published
    await workshop(world.placeB, 20, world.mediatorB.principal); // Saint-Nazaire: withheld to protect Rezé
    await workshop(placeC, 1); // Rezé: one person, withheld
    await refreshPilotage(db);
    out = await mkdtemp(join(tmpdir(), 'opendata-'));
    await rm(out, { recursive: true });
    const result = await writeOpenDataDirectory(db, SYSTEM_PRINCIPAL, out, { from: month, to: month });
    assert.equal(result.places, 4);
    for (const name of await readdir(out)) files[name] = await readFile(join(out, name), 'utf8');
    app = await buildApp(platform);
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
    if (out) await rm(out, { recursive: true, force: true });
  });

  test('the export holds every file of the data package, and no temporary directory is left', async () => {
    assert.deepEqual(Object.keys(files).sort(), ['CHANGELOG.md', 'README.md', 'activite-communes.csv', 'activite-communes.schema.json', 'datapackage.json', 'lieux.csv', 'lieux.schema.json']);
    const pkg = JSON.parse(files['datapackage.json']!) as { resources: { path: string; schema: string }[] };
    for (const resource of pkg.resources) assert.ok(files[resource.path] && files[resource.schema], resource.path);
    const siblings = await readdir(join(out, '..'));
    assert.equal(siblings.filter((name) => name.startsWith(`${out.split('/').at(-1)}.`)).length, 0);
    assert.match(files['README.md']!, /moins de 5 personnes/);
    assert.match(files['README.md']!, /Licence Ouverte/);
  });

  test('every CSV is valid against its published Table Schema (independent validator); the places also against the official standard', () => {
    for (const name of ['lieux', 'activite-communes']) {
      const schema = JSON.parse(files[`${name}.schema.json`]!) as TableSchemaFile;
      assert.deepEqual(validateCsv(files[`${name}.csv`]!, schema), [], name);
    }
    assert.deepEqual(validateCsv(files['lieux.csv']!, official), []);
  });

  test('breaking the schema (a renamed field) makes the file invalid: the validation above is not vacuous', () => {
    const schema = JSON.parse(files['activite-communes.schema.json']!) as TableSchemaFile;
    schema.fields[4] = { ...schema.fields[4]!, name: `${schema.fields[4]!.name}_renomme` };
    assert.match(validateCsv(files['activite-communes.csv']!, schema).join('\n'), /en-tête/);
    const typed = JSON.parse(files['activite-communes.schema.json']!) as TableSchemaFile;
    typed.fields.find((f) => f.name === 'commune')!.type = 'integer';
    assert.notDeepEqual(validateCsv(files['activite-communes.csv']!, typed), []);
  });

  test('a commune’s small cell is an empty field named in valeurs_masquees; the complementary cell too; a large one is published rounded', () => {
    const rows = parse(files['activite-communes.csv']!, { columns: true }) as Record<string, string>[];
    const of = (code: string) => rows.find((r) => r.code_insee === code && r.mois === month);
    const reze = of('44143');
    assert.ok(reze, 'la commune de la petite séance a une ligne : elle a eu de l’activité');
    assert.equal(reze.accompagnements, '');
    assert.equal(reze.participants_sans_cheque_estimation, '');
    assert.match(reze.valeurs_masquees!, /(^|\|)accompagnements(\||$)/);
    const saintNazaire = of('44184');
    assert.equal(saintNazaire?.accompagnements, '', 'masquage complémentaire : Rezé ne se déduit pas du total du département');
    const nantes = of('44109');
    assert.equal(nantes?.accompagnements, '30');
    assert.equal(nantes?.commune, 'Nantes');
    assert.equal(Number(nantes?.heures_formation) % 5, 0, 'arrondi au multiple de 5 sous 100');
    assert.equal(nantes?.valeurs_masquees, '');
  });

  test('the API gives the same bytes as the CLI’s files, streamed, with cache headers, and journals the download', async () => {
    for (const [url, file] of [
      [`/api/v1/open-data/activite-communes.csv?from=${month}&to=${month}`, 'activite-communes.csv'],
      ['/api/v1/open-data/lieux.csv', 'lieux.csv'],
      ['/api/v1/open-data/CHANGELOG.md', 'CHANGELOG.md'],
      ['/api/v1/open-data/README.md', 'README.md'],
    ] as const) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.body, files[file], url);
      assert.equal(response.headers['cache-control'], 'public, max-age=3600', url);
    }
    for (const name of ['lieux', 'activite-communes']) {
      const response = await app.inject({ method: 'GET', url: `/api/v1/open-data/${name}.schema.json` });
      assert.deepEqual(response.json(), JSON.parse(files[`${name}.schema.json`]!));
    }
    const catalogue = (await app.inject({ method: 'GET', url: '/api/v1/open-data' })).json() as { resources: { name: string; path: string }[] };
    assert.deepEqual(catalogue.resources.map((r) => r.name), ['lieux', 'activite-communes']);
    const refused = await app.inject({ method: 'GET', url: '/api/v1/open-data/activite-communes.csv?from=2026-13' });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.json().message, /format AAAA-MM/);
    assert.equal(refused.headers['cache-control'], 'no-store');
    const journal = await platform.db.selectFrom('audit_events').select(['action', 'details']).where('action', 'like', '%export%').execute();
    assert.ok(journal.length >= 4, `exports journalisés : ${JSON.stringify(journal)}`);
  });

  test('the page /donnees-ouvertes lists both datasets with their schema, licence and changelog, and refuses a bad period in French', async () => {
    const page = await app.inject({ method: 'GET', url: '/donnees-ouvertes' });
    assert.equal(page.statusCode, 200);
    for (const text of ['/api/v1/open-data/lieux.csv', '/api/v1/open-data/lieux.schema.json', '/api/v1/open-data/activite-communes.schema.json', 'Licence Ouverte', 'Journal des modifications', 'valeurs_masquees', 'cheques_encaisses'])
      assert.ok(page.body.includes(text), text);
    assert.ok(!/<script(?![^>]*src=)/.test(page.body), 'pas de script en ligne');
    const bad = await app.inject({ method: 'GET', url: '/donnees-ouvertes?from=mars' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Le mois de début doit être au format AAAA-MM/);
    const sitemap = await app.inject({ method: 'GET', url: '/plan-du-site' });
    assert.ok(sitemap.body.includes('href="/donnees-ouvertes"'));
  });

  test('the CLI: French help, a missing option and a malformed month refused with their exit codes', async () => {
    const help = await cli('opendata', 'export', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Utilisation : .*opendata export/);
    assert.match(help.stdout, /--out <dossier>/);
    const missing = await cli('opendata', 'export');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /l’option obligatoire « --out <dossier> » manque/);
    const malformed = await cli('opendata', 'export', '--out', join(out, 'jamais'), '--from', '2026-13');
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /^Erreur : Le mois de début doit être au format AAAA-MM/);
  });

  test('an export that fails leaves the previous one in place and no half-written directory', async () => {
    const before = await readFile(join(out, 'lieux.csv'), 'utf8');
    await writeFile(join(out, 'marque.txt'), 'export précédent');
    await assert.rejects(
      writeOpenDataDirectory(platform.db, SYSTEM_PRINCIPAL, out, { from: month, to: month }, { read: async () => { throw new Error('panne du moteur'); } }),
      /panne du moteur/,
    );
    assert.equal(await readFile(join(out, 'lieux.csv'), 'utf8'), before);
    assert.equal(await readFile(join(out, 'marque.txt'), 'utf8'), 'export précédent');
    const siblings = await readdir(join(out, '..'));
    assert.equal(siblings.filter((name) => name.startsWith(`${out.split('/').at(-1)}.`)).length, 0);
    await rm(join(out, 'marque.txt'));
  });
});
