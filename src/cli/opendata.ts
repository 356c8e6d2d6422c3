import { Command } from 'commander';
import { SYSTEM_PRINCIPAL } from '../accounts/domain/principal.js';
import { plural } from '../shared/french.js';
import type { OpenedPlatform } from '../platform.js';
import { parseOpenDataPeriod } from '../pilotage/domain/open-data.js';
import { writeOpenDataDirectory } from '../pilotage/use-cases/open-data.js';
import { parisDay } from '../shared/dates.js';

type WithPlatform = <T>(run: (platform: OpenedPlatform) => Promise<T>) => Promise<T>;

/** `inclusif opendata export`: the open data's files (CSV, Table Schemas, data package, changelog, README) in a directory. */
export function opendataCommand(withPlatform: WithPlatform): Command {
  const opendata = new Command('opendata').description('Données ouvertes : lieux au standard national et activité par commune et par mois (Licence Ouverte 2.0).');
  opendata
    .command('export')
    .description('Écrit les données ouvertes dans un dossier : fichiers CSV, schémas (Table Schema), datapackage.json, CHANGELOG.md et README.md des règles de confidentialité. Le dossier est remplacé d’un coup, une fois tout écrit.')
    .requiredOption('--out <dossier>', 'dossier de sortie (créé, ou remplacé s’il existe)')
    .option('--from <mois>', 'premier mois de l’activité, AAAA-MM (par défaut : 12 mois avant le dernier mois complet)')
    .option('--to <mois>', 'dernier mois de l’activité, AAAA-MM (par défaut : le dernier mois complet)')
    .action((options: { out: string; from?: string; to?: string }) => {
      // A malformed period is refused before the database is opened (exit code 2, French message).
      parseOpenDataPeriod({ from: options.from, to: options.to }, parisDay());
      return withPlatform(async (platform) => {
        console.error('Écriture des données ouvertes…');
        // The command line is the operator: the system principal, journaled as such.
        const result = await writeOpenDataDirectory(platform.db, SYSTEM_PRINCIPAL, options.out, { from: options.from, to: options.to });
        const period = result.period.from === result.period.to ? `mois ${result.period.from}` : `mois ${result.period.from} à ${result.period.to}`;
        console.log(`Données ouvertes écrites dans ${result.directory} : ${plural(result.places, 'lieu', 'lieux')}, ${plural(result.activityRows, 'ligne d’activité', 'lignes d’activité', { feminine: true })} (${period}), ${plural(result.files.length, 'fichier')}.`);
      });
    });
  return opendata;
}
