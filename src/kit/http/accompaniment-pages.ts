import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { hasRole, organisationsWithRole } from '../../accounts/use-cases/principal.js';
import { requirePagePrincipal } from '../../http/auth.js';
import { formId, pathId } from '../../http/ids.js';
import { field, renderPage, withFormErrors } from '../../http/page.js';
import { redirectWithFlash } from '../../http/flash.js';
import { plural } from '../../shared/french.js';
import { frenchDay } from '../../shared/dates.js';
import { forbidden } from '../../shared/errors.js';
import { parisDay } from '../../shared/dates.js';
import { getAccompaniment, listAccompaniments, recordAccompaniment } from '../use-cases/accompaniments.js';
import { ACCOMPANIMENT_KINDS, REFERRALS, THEMES, type AccompanimentInput, type ParticipantInput } from '../domain/accompaniment.js';

const DEFAULT_ROWS = 6;
const MAX_ROWS = 30;

/** Form rows to participants: a workshop row counts once something is typed in it; the individual row always counts. */
function participantsFromForm(body: Record<string, unknown>, kind: string, rows: number): ParticipantInput[] {
  const participants: ParticipantInput[] = [];
  for (let row = 1; row <= rows; row++) {
    const code = field(body, `code${row}`);
    const autonomy = field(body, `autonomie${row}`);
    const referral = field(body, `orientation${row}`);
    if (kind === 'workshop' && !code && !autonomy && !referral) continue;
    participants.push({ voucherCode: code || null, autonomy: autonomy ? Number(autonomy) : null, referral: referral || null });
  }
  const anonymous = Math.min(Number(field(body, 'anonymes') || '0') || 0, MAX_ROWS);
  for (let k = 0; k < anonymous; k++) participants.push({ voucherCode: null });
  return participants;
}

export const accompanimentPages: FastifyPluginAsync = async (app) => {
  const { db, secret } = app.platform;
  const placesOf = async (organisations: number[]) =>
    organisations.length ? db.selectFrom('places').select(['id', 'name']).where('organisation_id', 'in', organisations).where('active', '=', true).orderBy('name').execute() : [];

  const mediator = (request: FastifyRequest, reply: FastifyReply) => {
    const principal = requirePagePrincipal(request, reply);
    if (principal && !hasRole(principal, 'mediator')) throw forbidden('Cette page est réservée aux médiateurs d’un lieu.');
    return principal;
  };

  app.get('/accompagnements', async (request, reply) => {
    const principal = mediator(request, reply);
    if (!principal) return reply;
    return renderPage(request, reply, 'accompaniments.njk', { title: 'Ateliers et accompagnements', accompaniments: await listAccompaniments(db, principal), kinds: ACCOMPANIMENT_KINDS });
  });

  const formPage = async (request: FastifyRequest, reply: FastifyReply, kind: string, rows: number, extra: Record<string, unknown> = {}, status = 200) =>
    renderPage(request, reply, 'accompaniment-form.njk', {
      title: kind === 'workshop' ? 'Enregistrer un atelier collectif' : 'Enregistrer un accompagnement individuel',
      kind,
      rows: Array.from({ length: rows }, (_, i) => i + 1),
      rowCount: rows,
      moreRows: Math.min(rows + DEFAULT_ROWS, MAX_ROWS),
      places: await placesOf(organisationsWithRole(request.principal!, 'mediator')),
      themes: THEMES,
      referrals: REFERRALS,
      form: { date: parisDay(), duree: kind === 'workshop' ? '120' : '60' },
      ...extra,
    }, status);

  app.get('/accompagnements/nouveau', async (request, reply) => {
    if (!mediator(request, reply)) return reply;
    const query = request.query as Record<string, string>;
    const kind = query.type === 'individuel' ? 'individual' : 'workshop';
    const rows = kind === 'individual' ? 1 : Math.min(Math.max(Number(query.lignes) || DEFAULT_ROWS, 1), MAX_ROWS);
    return formPage(request, reply, kind, rows);
  });

  app.post('/accompagnements', async (request, reply) => {
    const principal = mediator(request, reply);
    if (!principal) return reply;
    const body = request.body as Record<string, unknown>;
    const kind = field(body, 'kind') === 'individual' ? 'individual' : 'workshop';
    const rows = kind === 'individual' ? 1 : Math.min(Math.max(Number(field(body, 'lignes')) || DEFAULT_ROWS, 1), MAX_ROWS);
    const input = {
      kind,
      placeId: field(body, 'placeId'),
      date: field(body, 'date'),
      durationMinutes: Number(field(body, 'duree')),
      themes: ([] as unknown[]).concat(body.themes ?? []).filter((t): t is string => typeof t === 'string'),
      participants: participantsFromForm(body, kind, rows),
    };
    // « More rows » submits the same form: everything typed comes back, with more empty rows, nothing recorded.
    if (kind === 'workshop' && field(body, 'plus') === 'lignes') {
      const more = Math.min(rows + DEFAULT_ROWS, MAX_ROWS);
      return formPage(request, reply, kind, more, { form: body, checkedThemes: input.themes });
    }
    return withFormErrors(
      async () => {
        const recorded = await recordAccompaniment(db, secret, principal, { ...input, placeId: formId(input.placeId, 'Le lieu') } satisfies AccompanimentInput);
        const vouchers = recorded.redeemed.length + recorded.linked.length;
        return redirectWithFlash(
          reply,
          `/accompagnements/${recorded.id}`,
          `Enregistré : ${plural(input.participants.length, 'participant')}, ${plural(vouchers, 'chèque encaissé ou rattaché', 'chèques encaissés ou rattachés')}.`,
        );
      },
      ({ message: error, status }) => formPage(request, reply, kind, rows, { error, form: body, checkedThemes: input.themes }, status),
    );
  });

  app.get('/accompagnements/:id', async (request, reply) => {
    const principal = mediator(request, reply);
    if (!principal) return reply;
    const details = await getAccompaniment(db, secret, principal, pathId(request.params, 'Cet accompagnement n’existe pas dans votre structure.'));
    const redeemed = details.participants.filter((p) => p.code !== null);
    return renderPage(request, reply, 'accompaniment.njk', {
      title: `${details.kindLabel} du ${frenchDay(details.date)}`,
      details,
      redeemedCents: redeemed.reduce((sum, p) => sum + (p.amountCents ?? 0), 0),
    });
  });
};
