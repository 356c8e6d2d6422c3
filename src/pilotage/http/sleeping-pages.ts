import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../accounts/domain/principal.js';
import { requirePagePrincipal } from '../../http/auth.js';
import { redirectWithFlash } from '../../http/flash.js';
import { field, renderPage, withFormErrors } from '../../http/page.js';
import { frenchCsv, type CsvCell } from '../../shared/csv.js';
import { parisDay } from '../../shared/dates.js';
import { invalid } from '../../shared/errors.js';
import { nudgeLink } from '../domain/nudges.js';
import { NUDGE_KINDS, NUDGE_LABELS, type NudgeKind } from '../domain/sleeping.js';
import { nudgeEffect, updateNudgeSettings, type NudgeSettingsInput } from '../use-cases/nudges.js';
import { readNudgeSettings, readSleeping, type SleepingReport } from '../use-cases/sleeping.js';

/** The four lists' CSV files, by the name in `?liste=`. */
const LISTS = {
  attribues: 'carnets-attribues-non-remis',
  remis: 'carnets-remis-non-utilises',
  lieux: 'lieux-peu-d-encaissements',
  echeance: 'cheques-proches-echeance',
} as const;
type ListName = keyof typeof LISTS;

const day = (at: Date) => parisDay(at);

function listCsv(report: SleepingReport, list: ListName): string {
  const rows: CsvCell[][] = [];
  switch (list) {
    case 'attribues':
      for (const r of report.allocated) rows.push([r.organisationName, r.booklets, day(r.oldestAllocation)]);
      return frenchCsv(['Structure prescriptrice', 'Carnets attribués non remis', 'Plus ancienne attribution'], rows);
    case 'remis':
      for (const r of report.handed) rows.push([r.organisationName, r.communeName, r.communeCode ?? '', r.booklets, day(r.oldestHandOut)]);
      return frenchCsv(['Structure prescriptrice', 'Commune des personnes', 'Code INSEE', 'Carnets remis jamais utilisés', 'Plus ancienne remise'], rows);
    case 'lieux':
      for (const r of report.places) rows.push([r.placeName, r.communeName, r.organisationName ?? '', r.redemptions]);
      return frenchCsv(['Lieu', 'Commune', 'Structure', `Chèques encaissés en ${report.settings.few_redemptions.thresholdDays} jours`], rows);
    case 'echeance':
      for (const r of report.expiring) rows.push([r.orderId, r.programmeName, r.organisationName, r.holder === 'funder' ? 'financeur (non attribués)' : 'structure prescriptrice', r.vouchers, r.handedVouchers, day(r.firstExpiry)]);
      return frenchCsv(['Commande', 'Programme', 'Détenteur', 'Rôle', 'Chèques vivants', 'dont remis', 'Première échéance'], rows);
  }
}

export const sleepingPages: FastifyPluginAsync = async (app) => {
  const { db } = app.platform;

  app.get('/pilotage/dormants', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const report = await readSleeping(db, principal);
    const effects = await nudgeEffect(db, principal);
    const isPrescriber = principal.memberships.some((m) => m.role === 'prescriber');
    return renderPage(request, reply, 'pilotage-sleeping.njk', {
      title: 'Chèques et carnets qui dorment',
      report,
      effects,
      labels: NUDGE_LABELS,
      links: { allocated: nudgeLink('allocated_not_handed', 'prescriber'), places: nudgeLink('few_redemptions', 'place'), expiringFunder: nudgeLink('close_to_expiry', 'funder'), expiringPrescriber: nudgeLink('close_to_expiry', 'prescriber') },
      isPrescriber,
    });
  });

  app.get('/pilotage/dormants.csv', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    // Without a choice, the first list (booklets allocated but not handed); an unknown one is refused.
    const list = (request.query as Record<string, unknown>)?.liste ?? 'attribues';
    if (typeof list !== 'string' || !Object.hasOwn(LISTS, list)) throw invalid('Choisissez la liste à télécharger : attribues, remis, lieux ou echeance.', 'liste_inconnue');
    const report = await readSleeping(db, principal);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${LISTS[list as ListName]}-${parisDay()}.csv"`)
      .send(listCsv(report, list as ListName));
  });

  const settingsPage = async (request: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}, status = 200) =>
    renderPage(request, reply, 'pilotage-nudges.njk', { title: 'Relances', settings: await readNudgeSettings(db), kinds: NUDGE_KINDS, labels: NUDGE_LABELS, ...data }, status);

  app.get('/pilotage/relances', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return settingsPage(request, reply);
  });

  app.post('/pilotage/relances', async (request, reply) => {
    const principal: Principal | null = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const body = request.body;
    const input: NudgeSettingsInput[] = NUDGE_KINDS.map((kind: NudgeKind) => ({
      kind,
      enabled: field(body, `${kind}_actif`) === 'oui',
      thresholdDays: field(body, `${kind}_jours`),
      minRedemptions: kind === 'few_redemptions' ? field(body, `${kind}_minimum`) : undefined,
      period: field(body, `${kind}_periode`),
    }));
    return withFormErrors(
      async () => {
        await updateNudgeSettings(db, principal, input);
        return redirectWithFlash(reply, '/pilotage/relances', 'Les réglages des relances sont enregistrés.');
      },
      ({ message, status }) => settingsPage(request, reply, { error: message, values: Object.fromEntries(input.map((i) => [i.kind, i])) }, status),
    );
  });
};
