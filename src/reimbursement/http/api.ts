import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireApiPrincipal } from '../../http/auth.js';
import { requireOperator, requireStatementReader } from '../use-cases/access.js';
import { confirmBankDetails, requestBankDetails } from '../use-cases/bank-accounts.js';
import { runTransferXml } from '../use-cases/files.js';
import { createRun, getRun, markRunPaid, rejectTransfer, statementNumber } from '../use-cases/runs.js';
import { statementCsv, statementDetails, statementPdf } from '../use-cases/statements.js';

const id = z.coerce.number().int().positive();
const error = z.object({ error: z.string(), message: z.string() }).passthrough();

export const reimbursementApi: FastifyPluginAsyncZod = async (app) => {
  const { db, secret, config } = app.platform;

  app.post(
    '/places/:id/bank-account',
    {
      schema: {
        tags: ['remboursements'],
        summary: 'Saisir les coordonnées bancaires d’un lieu (médiateur du lieu) ; en attente jusqu’à confirmation par une autre personne',
        params: z.object({ id }),
        body: z.object({ holderName: z.string(), iban: z.string(), bic: z.string() }),
        response: { 201: z.object({ bankAccountId: z.number(), status: z.literal('pending') }), 403: error, 422: error },
      },
    },
    async (request, reply) => reply.status(201).send({ bankAccountId: await requestBankDetails(db, requireApiPrincipal(request), request.params.id, request.body), status: 'pending' as const }),
  );

  app.post(
    '/bank-accounts/:id/confirmation',
    { schema: { tags: ['remboursements'], summary: 'Confirmer des coordonnées bancaires (autre médiateur du lieu, hub du territoire, administration)', params: z.object({ id }), response: { 204: z.null(), 403: error, 404: error, 409: error } } },
    async (request, reply) => {
      await confirmBankDetails(db, requireApiPrincipal(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/reimbursements',
    {
      schema: {
        tags: ['remboursements'],
        summary: 'Préparer un remboursement : tous les encaissements non remboursés jusqu’à la date incluse, par lieu (opérateur)',
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

  app.get('/reimbursements/:id', { schema: { tags: ['remboursements'], summary: 'Un remboursement et ses relevés (opérateur)', params: z.object({ id }) } }, async (request) => {
    requireOperator(requireApiPrincipal(request));
    const { run, statements } = await getRun(db, request.params.id);
    return { ...run, statements: statements.map((s) => ({ ...s, number: statementNumber(run.id, s.id) })) };
  });

  app.get('/reimbursements/:id/pain.001.xml', { schema: { tags: ['remboursements'], summary: 'Fichier de virements SEPA ISO 20022 pain.001.001.03 (opérateur)', params: z.object({ id }) } }, async (request, reply) => {
    requireOperator(requireApiPrincipal(request));
    return reply.type('application/xml; charset=utf-8').send(await runTransferXml(db, config, request.params.id));
  });

  app.post('/reimbursements/:id/paid', { schema: { tags: ['remboursements'], summary: 'Marquer un remboursement payé (opérateur)', params: z.object({ id }), response: { 204: z.null(), 403: error, 409: error } } }, async (request, reply) => {
    const principal = requireApiPrincipal(request);
    requireOperator(principal);
    await markRunPaid(db, principal.userId, request.params.id);
    return reply.status(204).send(null);
  });

  app.post(
    '/statements/:id/rejection',
    { schema: { tags: ['remboursements'], summary: 'Virement rejeté par la banque : ses chèques reviennent au prochain remboursement (opérateur)', params: z.object({ id }), body: z.object({ reason: z.string() }), response: { 204: z.null(), 403: error, 404: error, 409: error, 422: error } } },
    async (request, reply) => {
      const principal = requireApiPrincipal(request);
      requireOperator(principal);
      await rejectTransfer(db, principal.userId, request.params.id, request.body.reason);
      return reply.status(204).send(null);
    },
  );

  app.get('/statements/:file', { schema: { tags: ['remboursements'], summary: 'Relevé d’un lieu : {id}.csv ou {id}.pdf (médiateurs du lieu, hub, opérateur)', params: z.object({ file: z.string().regex(/^\d+\.(csv|pdf)$/) }) } }, async (request, reply) => {
    const principal = requireApiPrincipal(request);
    const [rawId, format] = request.params.file.split('.');
    await requireStatementReader(db, principal, Number(rawId));
    const details = await statementDetails(db, secret, Number(rawId));
    return format === 'csv' ? reply.type('text/csv; charset=utf-8').send(statementCsv(details)) : reply.type('application/pdf').send(statementPdf(details));
  });
};
