import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SingleBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import type { OpenedPlatform } from '../platform.js';
import { bookletsPdf } from '../pass/use-cases/print/booklet-pdf.js';
import { countBooklets, printableBooklets, type PrintSelection } from '../pass/use-cases/print/printable.js';
import { writeRunFiles } from '../reimbursement/use-cases/files.js';
import { createRun, markRunPaid, rejectTransfer } from '../reimbursement/use-cases/runs.js';
import { invalid } from '../shared/errors.js';
import { formatEuros } from '../shared/money.js';
import { plural } from '../shared/french.js';
import { publicUrlWarning } from './public-url.js';

type WithPlatform = <T>(run: (platform: OpenedPlatform) => Promise<T>) => Promise<T>;

/** "carnets.pdf" split in parts of N booklets: carnets-001.pdf, carnets-002.pdf… */
const partName = (file: string, part: number) => file.replace(/(\.pdf)?$/i, `-${String(part).padStart(3, '0')}.pdf`);

export function bookletsCommand(withPlatform: WithPlatform): Command {
  const booklets = new Command('booklets').description('Carnets imprimés du pass numérique.');
  booklets
    .command('print')
    .description('Imprime en PDF (A4) les carnets d’une commande ou un carnet : couverture puis dix chèques par page avec traits de coupe.')
    .option('--order <id>', 'numéro de la commande')
    .option('--booklet <numéro>', 'numéro d’un carnet (9 chiffres)')
    .requiredOption('--out <fichier.pdf>', 'fichier PDF à écrire')
    .option('--per-file <n>', 'découper en fichiers de n carnets')
    .option('--workers <n>', 'fils de calcul des QR codes à côté de la mise en page (par défaut : un par cœur sauf un ; 0 : tout sur un seul cœur)')
    .action((options: { order?: string; booklet?: string; out: string; perFile?: string; workers?: string }) =>
      withPlatform(async (platform) => {
        if (!options.order === !options.booklet) throw invalid('Indiquez soit --order, soit --booklet.');
        const workers = options.workers === undefined ? undefined : Number(options.workers);
        if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0 && workers <= 64)) throw invalid('--workers : un nombre entier de 0 à 64.');
        const warning = publicUrlWarning(platform.config);
        if (warning) console.error(warning);
        const selection: PrintSelection = options.order ? { orderId: Number(options.order) } : { bookletNumber: options.booklet! };
        const total = await countBooklets(platform.db, selection);
        const perFile = options.perFile ? Math.max(1, Number(options.perFile)) : total;
        const bar = new SingleBar({ format: 'Impression {bar} {percentage} % | {value}/{total} carnets', hideCursor: true, stream: process.stderr }, Presets.shades_classic);
        bar.start(total, 0);
        const files: string[] = [];
        for (let offset = 0, part = 1; offset < total; offset += perFile, part += 1) {
          const file = perFile < total ? partName(options.out, part) : options.out;
          const range = 'orderId' in selection ? { offset, limit: perFile } : undefined;
          await pipeline(bookletsPdf(printableBooklets(platform.db, platform.secret, selection, range), { publicUrl: platform.config.publicUrl, workers, onBooklet: (n) => bar.update(offset + n) }), createWriteStream(file));
          files.push(file);
        }
        bar.stop();
        for (const file of files) console.log(path.resolve(file));
      }),
    );
  return booklets;
}

export function reimbursementsCommand(withPlatform: WithPlatform): Command {
  const reimbursements = new Command('reimbursements').description('Remboursement des lieux de médiation (relevés, virements SEPA).');
  reimbursements
    .command('run')
    .description('Rembourse tous les encaissements jusqu’à DATE incluse, par lieu, en une transaction ; écrit les fichiers dans DIR.')
    .requiredOption('--until <AAAA-MM-JJ>', 'dernier jour de la période')
    .option('--out <dossier>', 'dossier des fichiers (virement pain.001, relevés PDF et CSV)', '.')
    .action((options: { until: string; out: string }) =>
      withPlatform(async (platform) => {
        const result = await createRun(platform.db, null, options.until);
        for (const place of result.waiting) console.log(`En attente de coordonnées bancaires confirmées : ${place.placeName} (${plural(place.voucherCount, 'chèque')}, ${formatEuros(place.totalCents)}).`);
        if (result.runId === null) return console.log('Rien à rembourser pour cette période.');
        console.log(`Remboursement n° ${result.runId} : ${plural(result.statementCount, 'lieu', 'lieux')}, ${plural(result.voucherCount, 'chèque')}, ${formatEuros(result.totalCents)}.`);
        for (const file of await writeRunFiles(platform.db, platform.secret, platform.config, result.runId, options.out)) console.log(path.resolve(file));
      }),
    );
  reimbursements
    .command('files')
    .description('Écrit (à nouveau) les fichiers d’un remboursement : reprise après une interruption.')
    .argument('<id>', 'numéro du remboursement')
    .option('--out <dossier>', 'dossier des fichiers', '.')
    .action((id: string, options: { out: string }) =>
      withPlatform(async (platform) => {
        for (const file of await writeRunFiles(platform.db, platform.secret, platform.config, Number(id), options.out)) console.log(path.resolve(file));
      }),
    );
  reimbursements
    .command('paid')
    .description('Marque un remboursement comme payé (virements exécutés par la banque).')
    .argument('<id>', 'numéro du remboursement')
    .action((id: string) => withPlatform(async (platform) => {
      await markRunPaid(platform.db, null, Number(id));
      console.log(`Remboursement n° ${id} marqué payé.`);
    }));
  reimbursements
    .command('reject')
    .description('Enregistre le rejet d’un virement par la banque : ses chèques reviennent au prochain remboursement.')
    .argument('<relevé>', 'numéro interne du relevé')
    .requiredOption('--reason <motif>', 'motif donné par la banque')
    .action((statement: string, options: { reason: string }) => withPlatform(async (platform) => {
      await rejectTransfer(platform.db, null, Number(statement), options.reason);
      console.log(`Virement du relevé ${statement} rejeté ; ses chèques seront dans le prochain remboursement.`);
    }));
  return reimbursements;
}
