import { Command } from 'commander';
import { refreshCoverage } from '../pilotage/use-cases/coverage.js';
import type { OpenedPlatform } from '../platform.js';
import { frenchDateTime } from '../shared/dates.js';
import { plural } from '../shared/french.js';

type WithPlatform = <T>(run: (platform: OpenedPlatform) => Promise<T>) => Promise<T>;

/** `inclusif coverage refresh`: the hourly job of `serve`, by hand (after an import of places, for instance). */
export function coverageCommand(withPlatform: WithPlatform): Command {
  const coverage = new Command('coverage').description('Couverture territoriale (distances aux lieux, besoin estimé, score d’écart par commune).');
  coverage
    .command('refresh')
    .description('Recalcule la couverture de chaque commune et de chaque département (fait aussi chaque heure par le serveur).')
    .action(() =>
      withPlatform(async (platform) => {
        const run = await refreshCoverage(platform.db);
        console.log(`Couverture calculée le ${frenchDateTime(run.computedAt)} : ${plural(run.communes, 'commune')}.`);
      }),
    );
  return coverage;
}
