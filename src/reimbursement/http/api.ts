import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireApiPrincipal } from '../../http/auth.js';
import { apiError, fileResponse, iso, isoDateTime, isoOrNull, openObject } from '../../http/openapi.js';
import { idParam, toId } from '../../http/ids.js';
import { notFound } from '../../shared/errors.js';
import { requireOperator, requireStatementReader } from '../use-cases/access.js';
import { confirmBankDetails, refuseBankDetails, requestBankDetails } from '../use-cases/bank-accounts.js';
import { runTransferXml } from '../use-cases/files.js';
import { createRun, getRun, markRunPaid, rejectTransfer, statementNumber } from '../use-cases/runs.js';
import { statementCsv, statementDetails, statementPdf } from '../use-cases/statements.js';

const id = idParam;
const error = apiError;

export const reimbursementApi: FastifyPluginAsyncZod = async (app) => {
  const { db, secret, config } = app.platform;

  app.post(
    '/places/:id/bank-account',
    {
      schema: {
        tags: ['remboursements'],
        summary: 'Saisir les coordonnées bancaires d’un lieu (médiateur du lieu) ; en attente jusqu’à confirmation par une autre personne',
        description: 'IBAN et BIC vérifiés ; les coordonnées restent en attente jusqu’à ce qu’une autre personne les confirme (règle des deux personnes). Le titulaire est enregistré tel que la banque le recevra (holderNameForBank : accents retirés) ; un nom qui ne peut pas être transmis tel quel ou de plus de 70 caractères est refusé. Journalisé.',
        params: z.object({ id }),
        body: z.object({ holderName: z.string(), iban: z.string(), bic: z.string() }),
        response: { 201: z.object({ bankAccountId: z.number(), status: z.literal('pending'), holderNameForBank: z.string() }), 403: error, 422: error },
      },
    },
    async (request, reply) => {
      const bankAccountId = await requestBankDetails(db, requireApiPrincipal(request), request.params.id, request.body);
      const { holder_name } = await db.selectFrom('bank_accounts').select('holder_name').where('id', '=', bankAccountId).executeTakeFirstOrThrow();
      return reply.status(201).send({ bankAccountId, status: 'pending' as const, holderNameForBank: holder_name });
    },
  );

  app.post(
    '/bank-accounts/:id/confirmation',
    {
      schema: {
        tags: ['remboursements'],
        summary: 'Confirmer des coordonnées bancaires (autre médiateur du lieu, hub du territoire, administration)',
        description: 'Une autre personne que celle qui les a saisies confirme les coordonnées : elles servent alors aux remboursements. holderNameForBank est le nom transmis à la banque que la personne a vérifié, refusé (409) s’il n’est pas exactement celui des virements. Journalisé.',
        params: z.object({ id }),
        body: z.object({ holderNameForBank: z.string().optional() }).optional(),
        response: { 204: z.null(), 403: error, 404: error, 409: error },
      },
    },
    async (request, reply) => {
      await confirmBankDetails(db, requireApiPrincipal(request), request.params.id, request.body?.holderNameForBank);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/bank-accounts/:id/refusal',
    {
      schema: {
        tags: ['remboursements'],
        summary: 'Refuser des coordonnées bancaires en attente, avec un motif',
        description: 'Les mêmes personnes que pour la confirmation (autre médiateur du lieu, hub du territoire, administration ; jamais la personne qui les a saisies) refusent des coordonnées en attente. Le motif est montré aux médiateurs du lieu, qui saisissent de nouvelles coordonnées ; aucun remboursement n’est versé sur des coordonnées refusées. 409 si elles ne sont plus en attente, 422 sans motif.',
        params: z.object({ id }),
        body: z.object({ reason: z.string().describe('motif du refus, lu par les médiateurs du lieu (500 caractères au plus)') }),
        response: { 204: z.null(), 403: error, 404: error, 409: error, 422: error },
      },
    },
    async (request, reply) => {
      await refuseBankDetails(db, requireApiPrincipal(request), request.params.id, request.body.reason);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/reimbursements',
    {
      schema: {
        tags: ['remboursements'],
        summary: 'Préparer un remboursement : tous les encaissements non remboursés jusqu’à la date incluse, par lieu (opérateur)',
        description: 'En une transaction : un relevé par lieu aux coordonnées confirmées, une ligne par chèque encaissé (jamais payé deux fois), les totaux et le grand livre ; les lieux sans coordonnées confirmées sont listés en attente. runId vaut null quand il n’y a rien à rembourser. Journalisé.',
        body: z.object({ until: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
        response: { 200: z.object({ runId: z.number().nullable(), statementCount: z.number(), voucherCount: z.number(), totalCents: z.number(), waiting: z.array(z.object({ placeId: z.number(), placeName: z.string(), voucherCount: z.number(), totalCents: z.number() })) }), 403: error, 422: error },
      },
    },
    async (request) => {
      const principal = requireApiPrincipal(request);
      requireOperator(principal);
      return createRun(db, principal.userId, request.body.until);
    },
  );

  app.get(
    '/reimbursements/:id',
    {
      schema: {
        tags: ['remboursements'],
        summary: 'Un remboursement et ses relevés (opérateur)',
        description: 'Le remboursement (date limite des encaissements, statut, nombre de relevés et de chèques, total) et ses relevés par lieu, avec le compte crédité et, pour un virement rejeté, le motif.',
        params: z.object({ id }),
        response: {
          200: openObject({
            id: z.number(),
            until: z.string().describe('AAAA-MM-JJ'),
            status: z.enum(['ready', 'paid']),
            message_id: z.string(),
            statement_count: z.number(),
            voucher_count: z.number(),
            total_cents: z.number(),
            created_at: isoDateTime,
            paid_at: isoDateTime.nullable(),
            statements: z.array(
              openObject({
                id: z.number(),
                number: z.string(),
                place_id: z.number(),
                place_name: z.string(),
                voucher_count: z.number(),
                total_cents: z.number(),
                status: z.enum(['included', 'paid', 'rejected']),
                rejection_reason: z.string().nullable(),
                holder_name: z.string(),
                iban: z.string(),
                bic: z.string(),
              }),
            ),
          }),
          403: error,
          404: error,
        },
      },
    },
    async (request) => {
      requireOperator(requireApiPrincipal(request));
      const { run, statements } = await getRun(db, request.params.id);
      return { ...run, created_at: iso(run.created_at), paid_at: isoOrNull(run.paid_at), statements: statements.map((s) => ({ ...s, number: statementNumber(run.id, s.id) })) };
    },
  );

  app.get(
    '/reimbursements/:id/pain.001.xml',
    {
      schema: {
        tags: ['remboursements'],
        summary: 'Fichier de virements SEPA ISO 20022 pain.001.001.03 (opérateur)',
        description: 'Le fichier de virements du remboursement à remettre à la banque : un virement par relevé, vers les coordonnées confirmées du lieu, texte réduit à l’alphabet latin SEPA.',
        params: z.object({ id }),
        response: { 200: fileResponse('application/xml', 'Fichier XML pain.001.001.03'), 403: error, 404: error },
      },
    },
    async (request, reply) => {
    requireOperator(requireApiPrincipal(request));
      return reply.type('application/xml; charset=utf-8').send(await runTransferXml(db, config, request.params.id));
    },
  );

  app.post(
    '/reimbursements/:id/paid',
    {
      schema: {
        tags: ['remboursements'],
        summary: 'Marquer un remboursement payé (opérateur)',
        description: 'La banque a exécuté les virements : le remboursement et ses relevés passent à « payé ». Opérateur ; journalisé.',
        params: z.object({ id }),
        response: { 204: z.null(), 403: error, 404: error, 409: error },
      },
    },
    async (request, reply) => {
      const principal = requireApiPrincipal(request);
      requireOperator(principal);
      await markRunPaid(db, principal.userId, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/statements/:id/rejection',
    {
      schema: {
        tags: ['remboursements'],
        summary: 'Virement rejeté par la banque : ses chèques reviennent au prochain remboursement (opérateur)',
        description: 'Un virement rejeté (motif donné par la banque) : les lignes du relevé sont retirées, ses chèques attendent le prochain remboursement et le grand livre est contrepassé. Opérateur ; journalisé.',
        params: z.object({ id }),
        body: z.object({ reason: z.string() }),
        response: { 204: z.null(), 403: error, 404: error, 409: error, 422: error },
      },
    },
    async (request, reply) => {
      const principal = requireApiPrincipal(request);
      requireOperator(principal);
      await rejectTransfer(db, principal.userId, request.params.id, request.body.reason);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/statements/:file',
    {
      schema: {
        tags: ['remboursements'],
        summary: 'Relevé d’un lieu : {id}.csv ou {id}.pdf (médiateurs du lieu, hub, opérateur)',
        description: 'Le relevé de remboursement d’un lieu, une ligne par chèque (code, date, programme, montant) et le total, en CSV pour un tableur français ou en PDF. Médiateurs du lieu, hub du territoire, opérateur.',
        params: z.object({ file: z.string().regex(/^\d+\.(csv|pdf)$/) }),
        response: {
          200: fileResponse(['text/csv', 'application/pdf'], 'Le relevé en CSV (UTF-8 avec BOM, séparateur « ; ») ou en PDF'),
          403: error,
          404: error,
        },
      },
    },
    async (request, reply) => {
      const principal = requireApiPrincipal(request);
      const [rawId, format] = request.params.file.split('.');
      const statementId = toId(rawId);
      if (statementId === null) throw notFound('Ce relevé n’existe pas.');
      await requireStatementReader(db, principal, statementId);
      const details = await statementDetails(db, secret, statementId);
      return format === 'csv' ? reply.type('text/csv; charset=utf-8').send(statementCsv(details)) : reply.type('application/pdf').send(statementPdf(details));
    },
  );
};
