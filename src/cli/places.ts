import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { SingleBar, Presets } from 'cli-progress';
import { Command, Option } from 'commander';
import { plural, pluralCapitalised } from '../shared/french.js';
import { SYSTEM_PRINCIPAL } from '../accounts/domain/principal.js';
import type { OpenedPlatform } from '../platform.js';
import { exportCsv, exportJson } from '../places/use-cases/export.js';
import { importPlaces, type ImportReport } from '../places/use-cases/import.js';

type WithPlatform = <T>(run: (platform: OpenedPlatform) => Promise<T>) => Promise<T>;

const MAX_ERRORS_SHOWN = 50;

function printReport(report: ImportReport): void {
  for (const error of report.errors.slice(0, MAX_ERRORS_SHOWN)) console.log(`  ligne ${error.line}, ${error.field} : ${error.reason}`);
  if (report.errors.length > MAX_ERRORS_SHOWN) console.log(`  … et ${plural(report.errors.length - MAX_ERRORS_SHOWN, 'autre erreur', 'autres erreurs', { feminine: true })}.`);
  console.log(`${pluralCapitalised(report.rows, 'ligne lue', 'lignes lues', { feminine: true })}, ${plural(report.validRows, 'valide', 'valides', { feminine: true })}, ${plural(report.errors.length, 'erreur', 'erreurs', { feminine: true })}.`);
  if (!report.written) {
    if (report.errors.length) {
      console.log('Rien n’a été importé : corrigez le fichier, ou relancez avec --valid-only pour n’importer que les lignes valides.');
      process.exitCode = 1;
    }
    return;
  }
  console.log(`${pluralCapitalised(report.created, 'lieu créé', 'lieux créés')}, ${plural(report.updated, 'mis à jour', 'mis à jour')}, ${plural(report.unchanged, 'inchangé', 'inchangés')}.`);
  if (report.duplicateCandidates) console.log(`${pluralCapitalised(report.duplicateCandidates, 'doublon possible', 'doublons possibles')} à examiner (page « Doublons possibles »).`);
}

export function placesCommand(withPlatform: WithPlatform): Command {
  const places = new Command('places').description('Lieux de médiation numérique (standard national).');
  places
    .command('import')
    .description('Importe un fichier CSV ou JSON au standard des lieux de médiation numérique.')
    .argument('<fichier>', 'fichier .csv ou .json')
    .option('--valid-only', 'importer les lignes valides d’un fichier qui contient des erreurs')
    .option('--map-v0-services', 'convertir les services de la version 0.1 du standard en services v1')
    .action((file: string, options: { validOnly?: boolean; mapV0Services?: boolean }) =>
      withPlatform(async (platform) => {
        const content = await readFile(file, 'utf8');
        console.error('Lecture et vérification du fichier…');
        const bar = new SingleBar({ format: 'Import {bar} {percentage} % | {value}/{total} lieux', hideCursor: true, stream: process.stderr }, Presets.shades_classic);
        let started = false;
        // The command line is the operator: the system principal, allowed everywhere and journaled as such.
        const report = await importPlaces(platform.db, SYSTEM_PRINCIPAL, content, {
          fileName: file,
          validOnly: options.validOnly,
          mapV0Services: options.mapV0Services,
          onProgress: (done, total) => {
            if (!started) bar.start(total, 0);
            started = true;
            bar.update(done);
          },
        });
        if (started) bar.stop();
        printReport(report);
      }),
    );
  places
    .command('export')
    .description('Exporte les lieux actifs au standard national (pour la cartographie nationale et data.gouv.fr).')
    .addOption(new Option('--format <format>', 'format du fichier').choices(['csv', 'json']).default('csv'))
    .option('--out <fichier>', 'fichier de sortie (sinon la sortie standard)')
    .action((options: { format: 'csv' | 'json'; out?: string }) =>
      withPlatform(async (platform) => {
        const stream = options.format === 'json' ? exportJson(platform.db) : exportCsv(platform.db);
        await pipeline(stream, options.out ? createWriteStream(options.out) : process.stdout);
        if (options.out) console.error(`Export écrit dans ${options.out}.`);
      }),
    );
  return places;
}
