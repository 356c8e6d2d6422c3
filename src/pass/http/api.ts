import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isAdmin, type Principal } from '../../accounts/use-cases/principal.js';
import { requireApiPrincipal } from '../../http/auth.js';
import { idParam } from '../../http/ids.js';
import { DomainError, forbidden } from '../../shared/errors.js';
import { funderReport } from '../use-cases/report.js';
import { reportCsv } from '../use-cases/report-files.js';
import { bookletsPdf } from '../use-cases/print/booklet-pdf.js';
import { printableBooklets } from '../use-cases/print/printable.js';
import { recordPayment } from '../use-cases/activation.js';
import { bookletBalance } from '../use-cases/balance.js';
import { unlockBooklet } from '../use-cases/booklet-pin.js';
import { allocateBooklets, findBookletByNumber, handBooklet, listAllocatedBooklets, listOrderBooklets } from '../use-cases/booklets.js';
import { AGE_BANDS, SITUATIONS } from '../domain/profile.js';
import { expireVouchers } from '../use-cases/expiry.js';
import { issueOrder } from '../use-cases/issuance.js';
import { verifyLedger } from '../use-cases/ledger.js';
import { cancelOrder, getOrder, listOrders, placeOrder } from '../use-cases/orders.js';
import { createProgramme, decideCofunding, getProgramme, listProgrammes, updateCofunders } from '../use-cases/programmes.js';
import { limitRefusals, listRedemptions, redeemVoucher, resolvePlace, undoRedemption } from '../use-cases/redemption.js';

const id = idParam;
const error = z.object({ error: z.string(), message: z.string() }).passthrough();
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

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export const passApi: FastifyPluginAsyncZod = async (app) => {
  const { db, secret } = app.platform;

  app.get(
    '/funders/:id/report',
    { schema: { tags: ['financeurs'], summary: 'Rapport d’un financeur : par commande, chèques émis, attribués, remis, encaissés, expirés ; montants ; public atteint (agrégé)', params: z.object({ id }) } },
    async (request) => funderReport(db, requireApiPrincipal(request), request.params.id),
  );
  app.get(
    '/funders/:id/report.csv',
    { schema: { tags: ['financeurs'], summary: 'Le même rapport en CSV (UTF-8 avec BOM, séparateur « ; »)', params: z.object({ id }) } },
    async (request, reply) => reply.type('text/csv; charset=utf-8').send(reportCsv(await funderReport(db, requireApiPrincipal(request), request.params.id))),
  );
  app.get(
    '/orders/:id/booklets.pdf',
    { schema: { tags: ['commandes'], summary: 'Carnets d’une commande émise, prêts à imprimer (PDF A4)', params: z.object({ id }) } },
    async (request, reply) => {
      const order = await getOrder(db, requireApiPrincipal(request), request.params.id);
      if (order.status === 'placed' || order.status === 'cancelled') throw new DomainError('conflict', 'non_emise', 'Les carnets de cette commande ne sont pas émis : rien à imprimer.');
      return reply.type('application/pdf').send(bookletsPdf(printableBooklets(db, secret, { orderId: order.id }), { publicUrl: app.platform.config.publicUrl }));
    },
  );

  app.get('/programmes', { schema: { tags: ['programmes'], summary: 'Programmes du pass numérique' } }, async (request) => {
    requireApiPrincipal(request);
    return listProgrammes(db);
  });

  app.post(
    '/programmes',
    {
      schema: {
        tags: ['programmes'],
        summary: 'Créer un programme (financeur, hub ou administration)',
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
    { schema: { tags: ['programmes'], summary: 'Modifier les cofinanceurs d’un programme sans commande (son auteur) : les parts changées attendent à nouveau l’accord', params: z.object({ id }), body: z.object({ cofunders: cofundersBody }) } },
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
        params: z.object({ id, organisationId: id }),
        body: z.object({ accept: z.boolean(), reason: z.string().max(1000).optional() }),
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
    placedAt: iso(o.placed_at)!,
    expiresAt: iso(o.expires_at),
  });

  app.get('/orders', { schema: { tags: ['commandes'], summary: 'Commandes visibles (les siennes pour un financeur)', response: { 200: z.array(orderSchema) } } }, async (request) =>
    (await listOrders(db, requireApiPrincipal(request))).map(toOrder),
  );

  app.post(
    '/orders',
    {
      schema: {
        tags: ['commandes'],
        summary: 'Commander des carnets (financeur)',
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

  app.get('/orders/:id', { schema: { tags: ['commandes'], params: z.object({ id }), response: { 200: orderSchema, 404: error } } }, async (request) =>
    toOrder(await getOrder(db, requireApiPrincipal(request), request.params.id)),
  );

  app.post('/orders/:id/issue', { schema: { tags: ['commandes'], summary: 'Émettre les carnets et chèques (opérateur)', params: z.object({ id }) } }, async (request) => {
    const principal = requireApiPrincipal(request);
    requireAdmin(principal);
    const result = await issueOrder(db, principal.userId, request.params.id);
    return { ...result, expiresAt: result.expiresAt.toISOString() };
  });

  app.post(
    '/orders/:id/payment',
    { schema: { tags: ['commandes'], summary: 'Enregistrer le paiement du financeur : active les chèques (opérateur)', params: z.object({ id }), body: z.object({ reference: z.string().min(1) }) } },
    async (request) => {
      const principal = requireApiPrincipal(request);
      requireAdmin(principal);
      return { activatedVouchers: await recordPayment(db, principal.userId, request.params.id, request.body.reference) };
    },
  );

  app.post('/orders/:id/cancel', { schema: { tags: ['commandes'], summary: 'Annuler une commande non payée', params: z.object({ id }) } }, async (request) => {
    await cancelOrder(db, requireApiPrincipal(request), request.params.id);
    return { status: 'cancelled' };
  });

  app.get('/orders/:id/booklets', { schema: { tags: ['carnets'], params: z.object({ id }) } }, async (request) =>
    listOrderBooklets(db, requireApiPrincipal(request), request.params.id, 10_000),
  );

  app.post(
    '/orders/:id/allocations',
    {
      schema: {
        tags: ['carnets'],
        summary: 'Attribuer des carnets à une structure prescriptrice (financeur)',
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

  app.get('/booklets', { schema: { tags: ['carnets'], summary: 'Carnets attribués à ma structure' } }, async (request) => listAllocatedBooklets(db, requireApiPrincipal(request)));

  app.post(
    '/booklets/:number/hand',
    {
      schema: {
        tags: ['carnets'],
        summary: 'Remettre un carnet à une personne (prescripteur), avec un profil pseudonyme',
        params: z.object({ number: z.string() }),
        body: z.object({
          ageBand: z.enum(AGE_BANDS),
          communeCode: z.string(),
          situation: z.enum(Object.keys(SITUATIONS) as [string, ...string[]]),
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
        params: z.object({ number: z.string() }),
        response: { 200: z.object({ number: z.string(), unlocked: z.literal(true), failures: z.number() }), 403: error, 404: error, 409: error, 422: error },
      },
    },
    async (request) => ({ ...(await unlockBooklet(db, requireApiPrincipal(request), request.params.number)), unlocked: true as const }),
  );

  app.get(
    '/public/booklets/:number',
    {
      schema: { tags: ['public'], summary: 'Solde d’un carnet (sans compte : numéro et code secret)', security: [], params: z.object({ number: z.string() }), querystring: z.object({ pin: z.string() }) },
      config: { rateLimit: { max: 20, timeWindow: 60_000 } },
    },
    async (request) => {
      const balance = await bookletBalance(db, secret, request.params.number, request.query.pin);
      return { ...balance, expiresAt: iso(balance.expiresAt) };
    },
  );

  app.post(
    '/vouchers/:code/redeem',
    {
      schema: {
        tags: ['chèques'],
        summary: 'Encaisser un chèque (médiateur). En-tête Idempotency-Key recommandé : une nouvelle tentative renvoie le résultat initial.',
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
        params: z.object({ code: z.string() }),
        querystring: z.object({ reason: z.string().max(2000).optional().describe('motif de l’annulation (obligatoire, ici ou dans le corps)') }),
        body: z.object({ reason: z.string().max(2000).optional() }).nullish(),
        response: { 200: z.object({ code: z.string(), status: z.string() }), 403: error, 404: error, 409: error, 422: error },
      },
    },
    async (request) => undoRedemption(db, secret, requireApiPrincipal(request), request.params.code, request.body?.reason?.trim() || request.query.reason),
  );

  app.get('/redemptions', { schema: { tags: ['chèques'], summary: 'Encaissements visibles (ceux de mon lieu, ou de mes commandes)' } }, async (request) =>
    (await listRedemptions(db, secret, requireApiPrincipal(request))).map((line) => ({ ...line, redeemedAt: line.redeemedAt.toISOString() })),
  );

  app.post('/vouchers/expire', { schema: { tags: ['chèques'], summary: 'Faire expirer les chèques échus (opérateur)' } }, async (request) => {
    const principal = requireApiPrincipal(request);
    requireAdmin(principal);
    return expireVouchers(db, principal.userId);
  });

  app.get('/ledger/verify', { schema: { tags: ['grand livre'], summary: 'Vérifier le grand livre (opérateur)' } }, async (request) => {
    requireAdmin(requireApiPrincipal(request));
    return verifyLedger(db);
  });

  app.get('/booklets/:number', { schema: { tags: ['carnets'], params: z.object({ number: z.string() }) } }, async (request) => {
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
      handedAt: iso(booklet.handed_at),
      /** Too many wrong PINs: the person's balance and follow-up diagnostic wait for an unlock. */
      locked: booklet.locked_at !== null,
      profile: booklet.handed_at
        ? { ageBand: booklet.profile_age_band, communeCode: booklet.profile_commune_code, situation: booklet.profile_situation, diagnosticLevel: booklet.profile_diagnostic_level }
        : null,
    };
  });
};
