import { Command } from 'commander';
import { mailNotifications, recordNotifications } from '../notifications/use-cases/dispatch.js';
import { NUDGE_LABELS } from '../pilotage/domain/sleeping.js';
import { sendNudges } from '../pilotage/use-cases/nudges.js';
import { nudgeText } from '../pilotage/use-cases/nudge-texts.js';
import type { OpenedPlatform } from '../platform.js';
import { plural } from '../shared/french.js';
import { createMailer } from '../shared/mailer.js';

type WithPlatform = <T>(run: (platform: OpenedPlatform) => Promise<T>) => Promise<T>;

/** `inclusif nudges send [--dry-run]`: the daily job of `serve`, by hand (each nudge once per period, whoever runs it). */
export function nudgesCommand(withPlatform: WithPlatform): Command {
  const nudges = new Command('nudges').description('Relances des structures où des carnets et des chèques dorment.');
  nudges
    .command('send')
    .description('Envoie les relances de la période qui ne l’ont pas encore été (notifications et courriels), une fois par structure, type et période.')
    .option('--dry-run', 'afficher les relances qui partiraient, sans rien enregistrer ni envoyer')
    .action((options: { dryRun?: boolean }) =>
      withPlatform(async (platform) => {
        const run = await sendNudges(platform.db, { dryRun: options.dryRun === true });
        for (const facts of run.sent) console.log(`${NUDGE_LABELS[facts.kind].title} — ${facts.organisationName} : ${nudgeText(facts).subject}`);
        const already = run.alreadySent ? ` (${plural(run.alreadySent, 'relance déjà envoyée', 'relances déjà envoyées', { feminine: true })} cette période)` : '';
        if (options.dryRun) {
          console.log(run.sent.length ? `${plural(run.sent.length, 'relance partirait', 'relances partiraient', { feminine: true })}${already} ; rien n’a été enregistré.` : `Aucune relance à envoyer${already}.`);
          return;
        }
        // The journal rows become notifications and e-mails now, as the server's dispatcher would.
        await recordNotifications(platform.db);
        const mail = await mailNotifications(platform.db, createMailer(platform.config), platform.config.publicUrl);
        console.log(
          run.sent.length
            ? `${plural(run.sent.length, 'relance envoyée', 'relances envoyées', { feminine: true })}${already} ; ${plural(mail.sent, 'courriel envoyé', 'courriels envoyés')}${mail.failed ? `, ${plural(mail.failed, 'échec', 'échecs')} (nouvel essai plus tard)` : ''}.`
            : `Aucune relance à envoyer${already}.`,
        );
      }),
    );
  return nudges;
}
