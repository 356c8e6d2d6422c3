import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isAdmin, type Principal } from '../../accounts/use-cases/principal.js';
import { requireApiPrincipal } from '../../http/auth.js';
import { apiError, apiErrors, fileResponse, iso, isoDateTime, isoOrNull, openObject, publicApiErrors } from '../../http/openapi.js';
import { idParam } from '../../http/ids.js';
import { DomainError, forbidden } from '../../shared/errors.js';
import { funderReport } from '../use-cases/report.js';
import { reportCsv, reportZip } from '../use-cases/report-files.js';
import { bookletsPdf } from '../use-cases/print/booklet-pdf.js';
import { printableBooklets } from '../use-cases/print/printable.js';
import { recordPayment } from '../use-cases/activation.js';
import { bookletBalance } from '../use-cases/balance.js';
import { unlockBooklet } from '../use-cases/booklet-pin.js';
import { allocateBooklets, type BookletSummary, findBookletByNumber, handBooklet, listAllocatedBooklets, listOrderBooklets } from '../use-cases/booklets.js';
import { AGE_BANDS, SITUATIONS } from '../domain/profile.js';
import { expireVouchers } from '../use-cases/expiry.js';
import { issueOrder } from '../use-cases/issuance.js';
import { verifyLedger } from '../use-cases/ledger.js';
import { cancelOrder, getOrder, listOrders, placeOrder } from '../use-cases/orders.js';
import { createProgramme, decideCofunding, getProgramme, listProgrammes, updateCofunders } from '../use-cases/programmes.js';
import { limitRefusals, listRedemptions, redeemVoucher, resolvePlace, undoRedemption } from '../use-cases/redemption.js';

const id = idParam;
const error = apiError;
const count = z.number().int();
const cents = z.number().int().describe('montant en centimes d’euro');
const programmeSchema = openObject({
  id: z.number(),
  name: z.string(),
  faceValueCents: cents,
  validityMonths: z.number(),
  eligibleServices: z.array(z.string()),
  allowDirectHanding: z.boolean(),
  departements: z.array(z.object({ code: z.string(), name: z.string() })),
  cofunders: z.array(openObject({ organisationId: z.number(), name: z.string(), shareBp: z.number().describe('part en points de base (10 000 = 100 %)'), status: z.enum(['pending', 'accepted', 'refused']), refusalReason: z.string().nullable() })),
  createdByOrganisationId: z.number(),
  ready: z.boolean().describe('chaque cofinanceur a accepté sa part : des commandes peuvent être passées'),
});
const bookletSummarySchema = openObject({
  id: z.number(),
  number: z.string(),
  order_id: z.number(),
  programme_id: z.number(),
  programme_name: z.string(),
  allocated_organisation_id: z.number().nullable(),
  allocated_organisation_name: z.string().nullable(),
  handed_at: isoDateTime.nullable(),
  expires_at: isoDateTime.nullable(),
  voucher_count: count,
  remaining_count: count,
  redeemed_count: count,
  pin_digits: z.number(),
  locked_at: isoDateTime.nullable(),
});
const toBookletSummary = (b: BookletSummary) => ({ ...b, handed_at: isoOrNull(b.handed_at), expires_at: isoOrNull(b.expires_at), locked_at: isoOrNull(b.locked_at) });
const reachGroup = z.object({ label: z.string(), booklets: z.number().nullable().describe('null : moins de 3 carnets, masqué pour ne désigner personne') });
const funderReportSchema = openObject({
  funder: z.object({ id: z.number(), name: z.string() }),
  orders: z.array(
    openObject({
      orderId: z.number(),
      programmeName: z.string(),
      placedAt: isoDateTime,
      status: z.string(),
      role: z.enum(['ordered', 'cofunded']).describe('ordered : commande du financeur ; cofunded : il en cofinance une part'),
      shareBp: z.number(),
      vouchers: openObject({ issued: count, allocated: count, handed: count, redeemed: count, expired: count }),
      amountCents: cents.describe('montant de la commande entière (tous cofinanceurs)'),
      shareCents: cents.describe('engagement de ce financeur : sa part de la commande, au centime'),
      redeemedCents: cents,
      expiredCents: cents,
      refundCents: cents.describe('part de la valeur expirée rendue à ce financeur'),
      refundSplit: z.array(openObject({ organisationName: z.string(), shareBp: z.number(), exactCents: z.number(), bookedCents: cents })),
    }),
  ),
  totals: openObject({ amountCents: cents.describe('engagement de ce financeur : somme de ses parts des commandes'), redeemedCents: cents, expiredCents: cents, refundCents: cents, handed: count, redeemed: count }),
  reach: openObject({ handedBooklets: count, ageBands: z.array(reachGroup), situations: z.array(reachGroup), communes: z.array(reachGroup) }),
  progress: z.array(
    openObject({
      orderId: z.number(),
      measured: count,
      progressed: count,
      overallBefore: z.number().nullable(),
      overallAfter: z.number().nullable(),
      topics: z.array(openObject({ topic: z.string(), label: z.string(), before: z.number().nullable(), after: z.number().nullable() })),
    }),
  ),
});
const orderSchema = z.object({
  id: z.number(),
  programmeId: z.number(),
  programmeName: z.string(),
  funderOrganisationId: z.number(),
  funderName: z.string(),
  bookletCount: z.number(),
  vouchersPerBooklet: z.number(),
  faceValueCents: z.number(),
  amountCents: z.number(),
  status: z.enum(['placed', 'issued', 'paid', 'cancelled']),
  placedAt: z.string(),
  expiresAt: z.string().nullable(),
});
const redemptionSchema = z.object({
  code: z.string(),
  status: z.literal('redeemed'),
  redeemedAt: z.string(),
  amountCents: z.number(),
  place: z.object({ id: z.number(), name: z.string() }),
  programme: z.object({ id: z.number(), name: z.string() }),
});

function requireAdmin(principal: Principal): void {
  if (!isAdmin(principal)) throw forbidden('Cette action est réservée à l’opérateur (administration nationale).');
}


export const passApi: FastifyPluginAsyncZod = async (app) => {
  const { db, secret } = app.platform;

  app.get(
    '/funders/:id/report',
    {
      schema: {
        tags: ['financeurs'],
        summary: 'Rapport d’un financeur : par commande, chèques émis, attribués, remis, encaissés, expirés ; montants ; public atteint (agrégé)',
        description: 'Pour chaque commande du financeur ou qu’il cofinance : chèques par état, montants, valeur expirée rendue et sa répartition entre cofinanceurs ; le public atteint par tranche d’âge, situation et commune (groupes de moins de 3 carnets masqués) ; les progrès mesurés au deuxième diagnostic. Membres du financeur et administration.',
        params: z.object({ id }),
        response: { 200: funderReportSchema, ...apiErrors(404) },
      },
    },
    async (request) => {
      const report = await funderReport(db, requireApiPrincipal(request), request.params.id);
      return { ...report, orders: report.orders.map((o) => ({ ...o, placedAt: iso(o.placedAt) })) };
    },
  );
  app.get(
    '/funders/:id/report.csv',
    {
      schema: {
        tags: ['financeurs'],
        summary: 'Les commandes du rapport en CSV (UTF-8 avec BOM, séparateur « ; »)',
        description: 'Le tableau des commandes du rapport, une ligne par commande, pour un tableur français : en-têtes en français, décimales à virgule ; chaque montant dit s’il est celui de la commande entière ou la part du financeur. Les autres tableaux (valeur expirée rendue, public atteint, progrès) sont dans report.zip.',
        params: z.object({ id }),
        response: { 200: fileResponse('text/csv', 'Fichier CSV (UTF-8 avec BOM, séparateur « ; »)'), ...apiErrors(404) },
      },
    },
    async (request, reply) => reply.type('text/csv; charset=utf-8').send(reportCsv(await funderReport(db, requireApiPrincipal(request), request.params.id))),
  );
  app.get(
    '/funders/:id/report.zip',
    {
      schema: {
        tags: ['financeurs'],
        summary: 'Tous les tableaux du rapport, un fichier CSV par tableau, dans un ZIP',
        description: 'commandes.csv, valeur-expiree-rendue.csv, public-atteint.csv et progres.csv : pour un tableur français (UTF-8 avec BOM, séparateur « ; », décimales à virgule, en-têtes en français disant si un montant est celui de la commande entière ou la part du financeur) ; mêmes règles de masquage des petits groupes que le rapport.',
        params: z.object({ id }),
        response: { 200: fileResponse('application/zip', 'Archive ZIP de fichiers CSV'), ...apiErrors(404) },
      },
    },
    async (request, reply) => {
      const report = await funderReport(db, requireApiPrincipal(request), request.params.id);
      return reply.type('application/zip').header('content-disposition', `attachment; filename="rapport-financeur-${report.funder.id}.zip"`).send(reportZip(report));
    },
  );
  app.get(
    '/orders/:id/booklets.pdf',
    {
      schema: {
        tags: ['commandes'],
        summary: 'Carnets d’une commande émise, prêts à imprimer (PDF A4)',
        description: 'Le PDF des carnets d’une commande émise : une couverture par carnet, dix chèques par page avec un QR code chacun et des traits de coupe. 409 tant que la commande n’est pas émise.',
        params: z.object({ id }),
        response: { 200: fileResponse('application/pdf', 'Fichier PDF A4'), ...apiErrors(404, 409) },
      },
    },
    async (request, reply) => {
      const order = await getOrder(db, requireApiPrincipal(request), request.params.id);
      if (order.status === 'placed' || order.status === 'cancelled') throw new DomainError('conflict', 'non_emise', 'Les carnets de cette commande ne sont pas émis : rien à imprimer.');
      return reply.type('application/pdf').send(bookletsPdf(printableBooklets(db, secret, { orderId: order.id }), { publicUrl: app.platform.config.publicUrl }));
    },
  );

  app.get(
    '/programmes',
    {
      schema: {
        tags: ['programmes'],
        summary: 'Programmes du pass numérique',
        description: 'Tous les programmes : départements couverts, valeur faciale, validité, services éligibles, cofinanceurs avec leur part et leur accord. Toute personne connectée.',
        response: { 200: z.array(programmeSchema), ...apiErrors() },
      },
    },
    async (request) => {
      requireApiPrincipal(request);
      return listProgrammes(db);
    },
  );

  app.post(
    '/programmes',
    {
      schema: {
        tags: ['programmes'],
        summary: 'Créer un programme (financeur, hub ou administration)',
        description: 'Un programme territorial : un ou plusieurs départements, valeur faciale (10 € par défaut), validité (12 mois), services éligibles et cofinanceurs dont les parts font 100 %. Chaque cofinanceur doit accepter sa part avant toute commande. Journalisé.',
        body: z.object({
          name: z.string().min(1),
          departementCodes: z.array(z.string()).min(1),
          faceValueCents: z.number().int().positive().max(100_000).default(1000),
          validityMonths: z.number().int().min(1).max(60).default(12),
          cofunders: z.array(z.object({ organisationId: z.number().int(), shareBp: z.number().int().min(1).max(10000) })).min(1),
          eligibleServices: z.array(z.string()).default([]),
          allowDirectHanding: z.boolean().default(false),
        }),
        response: { 201: z.object({ id: z.number() }), 403: error, 422: error },
      },
    },
    async (request, reply) => {
      const programmeId = await createProgramme(db, requireApiPrincipal(request), request.body);
      return reply.status(201).send({ id: programmeId });
    },
  );

  const cofundersBody = z.array(z.object({ organisationId: z.number().int().positive(), shareBp: z.number().int().min(1).max(10000) })).min(1);

  app.put(
    '/programmes/:id/cofunders',
    {
      schema: {
        tags: ['programmes'],
        summary: 'Modifier les cofinanceurs d’un programme sans commande (son auteur) : les parts changées attendent à nouveau l’accord',
        description: 'Remplace la liste des cofinanceurs et leurs parts (100 % en tout) tant qu’aucune commande n’a été passée ; renvoie le programme. Organisation auteur du programme ; journalisé.',
        params: z.object({ id }),
        body: z.object({ cofunders: cofundersBody }),
        response: { 200: programmeSchema, ...apiErrors(404, 409, 422) },
      },
    },
    async (request) => {
      await updateCofunders(db, requireApiPrincipal(request), request.params.id, request.body.cofunders);
      return getProgramme(db, request.params.id);
    },
  );

  app.post(
    '/programmes/:id/cofunders/:organisationId/decision',
    {
      schema: {
        tags: ['programmes'],
        summary: 'Accepter ou refuser sa part de cofinancement (financeur de cette organisation) ; un refus demande un motif et renvoie le programme à son auteur',
        description: 'Un financeur membre de l’organisation cofinanceuse accepte sa part (le programme est prêt quand toutes le sont) ou la refuse avec un motif. Renvoie le programme. Journalisé.',
        params: z.object({ id, organisationId: id }),
        body: z.object({ accept: z.boolean(), reason: z.string().max(1000).optional() }),
        response: { 200: programmeSchema, ...apiErrors(404, 409, 422) },
      },
    },
    async (request) => {
      await decideCofunding(db, requireApiPrincipal(request), { programmeId: request.params.id, organisationId: request.params.organisationId, ...request.body });
      return getProgramme(db, request.params.id);
    },
  );

  const toOrder = (o: Awaited<ReturnType<typeof getOrder>>) => ({
    id: o.id,
    programmeId: o.programme_id,
    programmeName: o.programme_name,
    funderOrganisationId: o.funder_organisation_id,
    funderName: o.funder_name,
    bookletCount: o.booklet_count,
    vouchersPerBooklet: o.vouchers_per_booklet,
    faceValueCents: o.face_value_cents,
    amountCents: o.amount_cents,
    status: o.status,
    placedAt: iso(o.placed_at),
    expiresAt: isoOrNull(o.expires_at),
  });

  app.get(
    '/orders',
    {
      schema: {
        tags: ['commandes'],
        summary: 'Commandes visibles (les siennes pour un financeur)',
        description: 'Les commandes de carnets que la personne peut voir : celles de son organisation pour un financeur, toutes pour l’opérateur. Statut, montant, validité.',
        response: { 200: z.array(orderSchema), ...apiErrors() },
      },
    },
    async (request) =>
      (await listOrders(db, requireApiPrincipal(request))).map(toOrder),
  );

  app.post(
    '/orders',
    {
      schema: {
        tags: ['commandes'],
        summary: 'Commander des carnets (financeur)',
        description: 'Un financeur commande N carnets de M chèques (10 par défaut) dans un programme prêt ; le montant est réparti entre les cofinanceurs (plus forts restes) et inscrit au grand livre. Journalisé.',
        body: z.object({
          programmeId: z.number().int().positive(),
          bookletCount: z.number().int().positive(),
          vouchersPerBooklet: z.number().int().min(1).max(50).default(10),
          organisationId: z.number().int().positive().optional(),
        }),
        response: { 201: orderSchema, 403: error, 422: error },
      },
    },
    async (request, reply) => {
      const principal = requireApiPrincipal(request);
      const orderId = await placeOrder(db, principal, request.body);
      return reply.status(201).send(toOrder(await getOrder(db, principal, orderId)));
    },
  );

  app.get(
    '/orders/:id',
    {
      schema: {
        tags: ['commandes'],
        summary: 'Une commande',
        description: 'Le détail d’une commande visible : programme, financeur, nombre de carnets et de chèques, montant, statut, date de passage et fin de validité des chèques.',
        params: z.object({ id }),
        response: { 200: orderSchema, ...apiErrors(404) },
      },
    },
    async (request) => toOrder(await getOrder(db, requireApiPrincipal(request), request.params.id)),
  );

  app.post(
    '/orders/:id/issue',
    {
      schema: {
        tags: ['commandes'],
        summary: 'Émettre les carnets et chèques (opérateur)',
        description: 'Crée en une transaction les carnets (numéros et codes secrets) et les chèques de la commande ; les codes des chèques sont dérivés du secret du serveur, jamais stockés. Opérateur ; journalisé.',
        params: z.object({ id }),
        response: {
          200: z.object({ orderId: z.number(), bookletCount: count, voucherCount: count, firstBookletNumber: z.string(), lastBookletNumber: z.string(), expiresAt: isoDateTime }),
          ...apiErrors(404, 409),
        },
      },
    },
    async (request) => {
    const principal = requireApiPrincipal(request);
    requireAdmin(principal);
      const result = await issueOrder(db, principal.userId, request.params.id);
      return { ...result, expiresAt: result.expiresAt.toISOString() };
    },
  );

  app.post(
    '/orders/:id/payment',
    {
      schema: {
        tags: ['commandes'],
        summary: 'Enregistrer le paiement du financeur : active les chèques (opérateur)',
        description: 'Le paiement reçu (référence du virement) active les chèques de la commande émise et s’inscrit au grand livre. Opérateur ; journalisé.',
        params: z.object({ id }),
        body: z.object({ reference: z.string().min(1) }),
        response: { 200: z.object({ activatedVouchers: count }), ...apiErrors(404, 409) },
      },
    },
    async (request) => {
      const principal = requireApiPrincipal(request);
      requireAdmin(principal);
      return { activatedVouchers: await recordPayment(db, principal.userId, request.params.id, request.body.reference) };
    },
  );

  app.post(
    '/orders/:id/cancel',
    {
      schema: {
        tags: ['commandes'],
        summary: 'Annuler une commande non payée',
        description: 'Annule une commande passée ou émise tant qu’elle n’est pas payée ; ses écritures au grand livre sont contrepassées. Financeur de la commande ou opérateur ; journalisé.',
        params: z.object({ id }),
        response: { 200: z.object({ status: z.literal('cancelled') }), ...apiErrors(404, 409) },
      },
    },
    async (request) => {
      await cancelOrder(db, requireApiPrincipal(request), request.params.id);
      return { status: 'cancelled' as const };
    },
  );

  app.get(
    '/orders/:id/booklets',
    {
      schema: {
        tags: ['carnets'],
        summary: 'Carnets d’une commande',
        description: 'Les carnets d’une commande visible (10 000 au plus) : numéro, structure à qui il est attribué, remise, chèques restants et encaissés, blocage après trop de codes secrets erronés.',
        params: z.object({ id }),
        response: { 200: z.array(bookletSummarySchema), ...apiErrors(404) },
      },
    },
    async (request) => (await listOrderBooklets(db, requireApiPrincipal(request), request.params.id, 10_000)).map(toBookletSummary),
  );

  app.post(
    '/orders/:id/allocations',
    {
      schema: {
        tags: ['carnets'],
        summary: 'Attribuer des carnets à une structure prescriptrice (financeur)',
        description: 'Attribue N carnets actifs de la commande à une organisation prescriptrice ; renvoie leurs numéros. Financeur de la commande ; journalisé.',
        params: z.object({ id }),
        body: z.object({ organisationId: z.number().int().positive(), bookletCount: z.number().int().positive() }),
        response: { 201: z.object({ booklets: z.array(z.string()) }), 403: error, 409: error, 422: error },
      },
    },
    async (request, reply) => {
      const booklets = await allocateBooklets(db, requireApiPrincipal(request), {
        orderId: request.params.id,
        recipientOrganisationId: request.body.organisationId,
        bookletCount: request.body.bookletCount,
      });
      return reply.status(201).send({ booklets });
    },
  );

  app.get(
    '/booklets',
    {
      schema: {
        tags: ['carnets'],
        summary: 'Carnets attribués à ma structure',
        description: 'Les carnets attribués aux structures de la personne (prescriptrices ou lieux), ceux à remettre d’abord (200 au plus).',
        response: { 200: z.array(bookletSummarySchema), ...apiErrors() },
      },
    },
    async (request) => (await listAllocatedBooklets(db, requireApiPrincipal(request))).map(toBookletSummary),
  );

  app.post(
    '/booklets/:number/hand',
    {
      schema: {
        tags: ['carnets'],
        summary: 'Remettre un carnet à une personne (prescripteur), avec un profil pseudonyme',
        description: 'Remet un carnet attribué à la structure : tranche d’âge, commune et situation de la personne, sans nom (profil pseudonyme pour les statistiques), et le niveau du diagnostic s’il a été fait. Chaque valeur absente ou nulle est « non renseignée », comptée à part dans le rapport du financeur. Journalisé.',
        params: z.object({ number: z.string() }),
        body: z.object({
          ageBand: z.enum(AGE_BANDS).nullable().optional().describe('absente ou nulle : non renseignée'),
          communeCode: z.string().nullable().optional().describe('code INSEE de la commune ou de l’arrondissement (GET /api/v1/communes le trouve à partir d’un nom ou d’un code postal) ; absent ou nul : non renseignée'),
          situation: z.enum(Object.keys(SITUATIONS) as [string, ...string[]]).nullable().optional().describe('absente ou nulle : non renseignée'),
          diagnosticLevel: z.number().int().min(1).max(3).optional(),
        }),
        response: { 200: z.object({ number: z.string(), voucherCount: z.number() }), 403: error, 409: error, 422: error },
      },
    },
    async (request) => handBooklet(db, requireApiPrincipal(request), request.params.number, request.body),
  );

  app.post(
    '/booklets/:number/unlock',
    {
      schema: {
        tags: ['carnets'],
        summary: 'Débloquer un carnet bloqué après trop de codes secrets erronés (structure à qui il est attribué, financeur de sa commande)',
        description: 'Après 10 codes secrets erronés, le solde et le deuxième diagnostic du carnet sont bloqués ; la structure qui l’a remis ou le financeur le débloque à la demande de la personne. Journalisé.',
        params: z.object({ number: z.string() }),
        response: { 200: z.object({ number: z.string(), unlocked: z.literal(true), failures: z.number() }), 403: error, 404: error, 409: error, 422: error },
      },
    },
    async (request) => ({ ...(await unlockBooklet(db, requireApiPrincipal(request), request.params.number)), unlocked: true as const }),
  );

  app.get(
    '/public/booklets/:number',
    {
      schema: {
        tags: ['carnets'],
        summary: 'Solde d’un carnet (sans compte : numéro et code secret)',
        description: 'Pour la personne qui détient le carnet, sans compte : chèques restants et utilisés, validité, où et quand chaque chèque a servi. Les codes secrets erronés sont comptés par carnet (blocage à 10) ; 20 demandes par minute au plus.',
        security: [],
        params: z.object({ number: z.string() }),
        querystring: z.object({ pin: z.string() }),
        response: {
          200: openObject({
            number: z.string(),
            programmeName: z.string(),
            faceValueCents: cents,
            remaining: count,
            used: count,
            total: count,
            expiresAt: isoDateTime.nullable(),
            expired: z.boolean(),
            handed: z.boolean(),
            history: z.array(openObject({ redeemedAt: isoDateTime, placeName: z.string(), commune: z.string() })),
          }),
          ...publicApiErrors(400, 404, 409, 422, 429),
        },
      },
      config: { rateLimit: { max: 20, timeWindow: 60_000 } },
    },
    async (request) => {
      const balance = await bookletBalance(db, secret, request.params.number, request.query.pin);
      return { ...balance, expiresAt: isoOrNull(balance.expiresAt), history: balance.history.map((use) => ({ ...use, redeemedAt: iso(use.redeemedAt) })) };
    },
  );

  app.post(
    '/vouchers/:code/redeem',
    {
      schema: {
        tags: ['chèques'],
        summary: 'Encaisser un chèque (médiateur). En-tête Idempotency-Key recommandé : une nouvelle tentative renvoie le résultat initial.',
        description: 'Le médiateur d’un lieu labellisé qui accepte le programme encaisse un chèque valide du territoire, une seule fois. Un code falsifié ou inconnu (404), déjà utilisé (409), expiré (410) ou refusé par une règle (422) reçoit un refus clair ; trop de codes faux (429). Avec le même Idempotency-Key, une nouvelle tentative renvoie la réponse initiale.',
        params: z.object({ code: z.string() }),
        headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }).passthrough(),
        body: z.object({ placeId: z.number().int().positive().optional() }).optional(),
        response: { 200: redemptionSchema, 403: error, 404: error, 409: error, 410: error, 422: error, 429: error },
      },
    },
    async (request, reply) => {
      const principal = requireApiPrincipal(request);
      try {
        const placeId = await resolvePlace(db, principal, request.body?.placeId);
        const { result, replayed } = await redeemVoucher(app.platform, principal, request.params.code, placeId, request.headers['idempotency-key']);
        if (replayed) void reply.header('idempotent-replayed', 'true');
        return result;
      } catch (error) {
        return limitRefusals(db, principal, error);
      }
    },
  );

  app.delete(
    '/vouchers/:code/redemption',
    {
      schema: {
        tags: ['chèques'],
        summary: 'Annuler un encaissement de son lieu, avec un motif (corps ou paramètre reason), tant qu’il n’est ni remboursé ni compté dans un atelier',
        description: 'Le médiateur du lieu qui a encaissé le chèque l’annule (saisie par erreur) avec un motif : le chèque redevient utilisable et le grand livre est contrepassé. Refusé si le chèque est sur un relevé de remboursement ou compté dans un atelier. Journalisé.',
        params: z.object({ code: z.string() }),
        querystring: z.object({ reason: z.string().max(2000).optional().describe('motif de l’annulation (obligatoire, ici ou dans le corps)') }),
        body: z.object({ reason: z.string().max(2000).optional() }).nullish(),
        response: { 200: z.object({ code: z.string(), status: z.string() }), 403: error, 404: error, 409: error, 422: error },
      },
    },
    async (request) => undoRedemption(db, secret, requireApiPrincipal(request), request.params.code, request.body?.reason?.trim() || request.query.reason),
  );

  app.get(
    '/redemptions',
    {
      schema: {
        tags: ['chèques'],
        summary: 'Encaissements visibles (ceux de mon lieu, ou de mes commandes)',
        description: 'Les 100 derniers encaissements que la personne peut voir : ceux de ses lieux pour un médiateur, de ses commandes pour un financeur, tous pour l’opérateur.',
        response: {
          200: z.array(openObject({ code: z.string(), redeemedAt: isoDateTime, amountCents: cents, placeName: z.string(), programmeName: z.string(), bookletNumber: z.string() })),
          ...apiErrors(),
        },
      },
    },
    async (request) => (await listRedemptions(db, secret, requireApiPrincipal(request))).map((line) => ({ ...line, redeemedAt: line.redeemedAt.toISOString() })),
  );

  app.post(
    '/vouchers/expire',
    {
      schema: {
        tags: ['chèques'],
        summary: 'Faire expirer les chèques échus (opérateur)',
        description: 'Fait expirer tous les chèques non utilisés dont la validité est passée (chaque instance le fait aussi toutes les heures) ; la valeur non utilisée est due aux cofinanceurs, au centime près. Opérateur ; journalisé.',
        response: {
          200: z.object({
            voucherCount: count,
            amountCents: cents,
            orders: z.array(z.object({ orderId: z.number(), voucherCount: count, amountCents: cents, refunds: z.array(z.object({ organisationId: z.number(), amountCents: cents })) })),
          }),
          ...apiErrors(),
        },
      },
    },
    async (request) => {
      const principal = requireApiPrincipal(request);
      requireAdmin(principal);
      return expireVouchers(db, principal.userId);
    },
  );

  app.get(
    '/ledger/verify',
    {
      schema: {
        tags: ['grand livre'],
        summary: 'Vérifier le grand livre (opérateur)',
        description: 'Par programme : engagé = encaissé + expiré + en circulation, le grand livre d’accord avec les chèques et les relevés, jamais plus versé aux lieux qu’encaissé ; et chaque transaction équilibrée. ok vaut false à la moindre anomalie.',
        response: {
          200: z.object({
            programmes: z.array(
              openObject({
                programmeId: z.number(),
                programmeName: z.string(),
                committedCents: cents,
                redeemedCents: cents,
                expiredCents: cents,
                outstandingCents: cents,
                expectedOutstandingCents: cents,
                expectedRedeemedCents: cents,
                expectedExpiredCents: cents,
                reimbursedCents: cents,
                expectedReimbursedCents: cents,
                balanced: z.boolean(),
              }),
            ),
            unbalancedTransactions: z.array(z.string()),
            ok: z.boolean(),
          }),
          ...apiErrors(),
        },
      },
    },
    async (request) => {
      requireAdmin(requireApiPrincipal(request));
      return verifyLedger(db);
    },
  );

  app.get(
    '/booklets/:number',
    {
      schema: {
        tags: ['carnets'],
        summary: 'Un carnet',
        description: 'Un carnet de ma structure ou d’une de mes commandes : commande, programme, structure à qui il est attribué, date de remise et profil pseudonyme (tranche d’âge, commune, situation, niveau), blocage.',
        params: z.object({ number: z.string() }),
        response: {
          200: z.object({
            number: z.string(),
            orderId: z.number(),
            programmeId: z.number(),
            allocatedOrganisationId: z.number().nullable(),
            handedAt: isoDateTime.nullable(),
            locked: z.boolean().describe('trop de codes secrets erronés : solde et deuxième diagnostic attendent un déblocage'),
            profile: z.object({ ageBand: z.string().nullable(), communeCode: z.string().nullable(), situation: z.string().nullable(), diagnosticLevel: z.number().nullable() }).nullable(),
          }),
          ...apiErrors(404, 422),
        },
      },
    },
    async (request) => {
      const principal = requireApiPrincipal(request);
      const booklet = await findBookletByNumber(db, request.params.number);
      const order = await getOrder(db, principal, booklet.order_id).catch(() => null);
      const holder = booklet.allocated_organisation_id !== null && principal.memberships.some((m) => m.organisationId === booklet.allocated_organisation_id);
      if (!order && !holder) throw forbidden('Ce carnet ne concerne pas votre structure.');
      return {
        number: booklet.number,
        orderId: booklet.order_id,
        programmeId: booklet.programme_id,
        allocatedOrganisationId: booklet.allocated_organisation_id,
        handedAt: isoOrNull(booklet.handed_at),
        /** Too many wrong PINs: the person's balance and follow-up diagnostic wait for an unlock. */
        locked: booklet.locked_at !== null,
        profile: booklet.handed_at
          ? { ageBand: booklet.profile_age_band, communeCode: booklet.profile_commune_code, situation: booklet.profile_situation, diagnosticLevel: booklet.profile_diagnostic_level }
          : null,
      };
    },
  );
};
