import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isAdmin, type Principal } from '../../accounts/use-cases/principal.js';
import { requirePagePrincipal } from '../../http/auth.js';
import { formId, pathId, toId } from '../../http/ids.js';
import { field, renderPage, withFormErrors } from '../../http/page.js';
import { notFound } from '../../shared/errors.js';
import { getPlace } from '../../places/use-cases/store.js';
import { requireOperator, requireStatementReader, statementsOfMediator } from '../use-cases/access.js';
import { bankDetailsOfPlace, confirmBankDetails, pendingBankDetails, requestBankDetails } from '../use-cases/bank-accounts.js';
import { displayIban } from '../domain/bank.js';
import { canConfirmBankDetails, canEnterBankDetails } from '../domain/policies.js';
import { holderNameForBank } from '../domain/sepa-text.js';
import { runTransferXml } from '../use-cases/files.js';
import { createRun, getRun, listRuns, markRunPaid, rejectTransfer, statementNumber } from '../use-cases/runs.js';
import { statementCsv, statementDetails, statementPdf } from '../use-cases/statements.js';

/** The name the transfers will carry, exactly; null when it cannot be sent as is (entered before the check). */
const sentName = (holderName: string) => {
  const verdict = holderNameForBank(holderName);
  return verdict.ok ? verdict.sent : null;
};

const idParam = (request: FastifyRequest) => pathId(request.params);

export const reimbursementPages: FastifyPluginAsync = async (app) => {
  const { db, secret, config } = app.platform;

  const bankPage = async (request: FastifyRequest, reply: FastifyReply, principal: Principal, placeId: number, extra: Record<string, unknown> = {}, status = 200) => {
    const details = await getPlace(db, placeId);
    const bank = await bankDetailsOfPlace(db, principal, placeId);
    const facts = { organisationId: details.place.organisation_id, departementCode: details.departementCode };
    return renderPage(request, reply, 'bank-details.njk', {
      title: `Coordonnées bancaires — ${details.place.name}`,
      place: details.place,
      confirmed: bank.confirmed && { ...bank.confirmed, sentName: sentName(bank.confirmed.holder_name), ibanShown: displayIban(bank.confirmed.iban, true) },
      pending: bank.pending && { ...bank.pending, sentName: sentName(bank.pending.holder_name), ibanShown: displayIban(bank.pending.iban) },
      canEnter: canEnterBankDetails(principal, facts),
      canConfirm: Boolean(bank.pending) && canConfirmBankDetails(principal, facts, bank.pending!.requested_by) && sentName(bank.pending!.holder_name) !== null,
      ...extra,
    }, status);
  };

  app.get('/lieux/:id/banque', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return bankPage(request, reply, principal, idParam(request), (request.query as Record<string, string>).ok ? { success: 'Les coordonnées sont enregistrées.' } : {});
  });

  app.post('/lieux/:id/banque', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const placeId = idParam(request);
    const form = { titulaire: field(request.body, 'titulaire'), iban: field(request.body, 'iban'), bic: field(request.body, 'bic') };
    return withFormErrors(
      async () => {
        await requestBankDetails(db, principal, placeId, { holderName: form.titulaire, iban: form.iban, bic: form.bic });
        return bankPage(request, reply, principal, placeId, { success: 'Coordonnées enregistrées. Une autre personne de votre structure, ou le hub, doit maintenant les confirmer : aucun virement avant cela.' });
      },
      (error) => bankPage(request, reply, principal, placeId, { error: error.message, form, errorField: error.details.field }, error.status),
    );
  });

  app.post('/lieux/:id/banque/confirmation', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const placeId = idParam(request);
    return withFormErrors(
      async () => {
        await confirmBankDetails(db, principal, formId(field(request.body, 'compte'), 'Le compte à confirmer'), field(request.body, 'nom_transmis'));
        return bankPage(request, reply, principal, placeId, { success: 'Coordonnées bancaires confirmées : les prochains remboursements iront sur ce compte.' });
      },
      (error) => bankPage(request, reply, principal, placeId, { error: error.message }, error.status),
    );
  });

  const runsPage = async (request: FastifyRequest, reply: FastifyReply, principal: Principal, extra: Record<string, unknown> = {}, status = 200) =>
    renderPage(request, reply, 'reimbursements.njk', {
      title: 'Remboursements des lieux',
      runs: isAdmin(principal) ? await listRuns(db) : [],
      pendingBank: (await pendingBankDetails(db, principal)).map((b) => ({ ...b, sentName: sentName(b.holder_name), ibanShown: displayIban(b.iban) })),
      isOperator: isAdmin(principal),
      today: new Date().toISOString().slice(0, 10),
      ...extra,
    }, status);

  app.get('/remboursements', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return runsPage(request, reply, principal);
  });

  app.post('/remboursements', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return withFormErrors(
      async () => {
        requireOperator(principal);
        const result = await createRun(db, principal.userId, field(request.body, 'jusqua'));
        if (result.runId === null) return runsPage(request, reply, principal, { error: 'Rien à rembourser pour cette période.', waiting: result.waiting });
        return reply.redirect(`/remboursements/${result.runId}`, 303);
      },
      (error) => runsPage(request, reply, principal, { error: error.message }, error.status),
    );
  });

  const runPage = async (request: FastifyRequest, reply: FastifyReply, principal: Principal, runId: number, extra: Record<string, unknown> = {}, status = 200) => {
    requireOperator(principal);
    const { run, statements } = await getRun(db, runId);
    return renderPage(request, reply, 'reimbursement-run.njk', {
      title: `Remboursement n° ${run.id}`,
      run,
      statements: statements.map((s) => ({ ...s, number: statementNumber(run.id, s.id), ibanShown: displayIban(s.iban, true) })),
      ...extra,
    }, status);
  };

  app.get('/remboursements/:id', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return runPage(request, reply, principal, idParam(request));
  });

  app.get('/remboursements/:id/virements.xml', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    requireOperator(principal);
    const runId = idParam(request);
    const { run } = await getRun(db, runId);
    return reply.type('application/xml; charset=utf-8').header('content-disposition', `attachment; filename="virements-${run.message_id}.xml"`).send(await runTransferXml(db, config, runId));
  });

  /** An operator's action on a run, answered on the run's page with its outcome. */
  const runAction = (path: string, act: (principal: Principal, runId: number, request: FastifyRequest) => Promise<unknown>, success: string) =>
    app.post(`/remboursements/:id/${path}`, async (request, reply) => {
      const principal = requirePagePrincipal(request, reply);
      if (!principal) return reply;
      const runId = idParam(request);
      return withFormErrors(
        async () => {
          requireOperator(principal);
          await act(principal, runId, request);
          return runPage(request, reply, principal, runId, { success });
        },
        (error) => runPage(request, reply, principal, runId, { error: error.message }, error.status),
      );
    });

  runAction('paye', (principal, runId) => markRunPaid(db, principal.userId, runId), 'Remboursement marqué payé.');
  runAction(
    'rejet',
    (principal, _runId, request) => rejectTransfer(db, principal.userId, formId(field(request.body, 'releve'), 'Le relevé'), field(request.body, 'motif')),
    'Virement rejeté : ses chèques seront dans le prochain remboursement.',
  );

  app.get('/releves', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const statements = (await statementsOfMediator(db, principal)).map((s) => ({ ...s, number: statementNumber(s.run_id, s.id) }));
    return renderPage(request, reply, 'statements.njk', { title: 'Mes relevés de remboursement', statements });
  });

  app.get('/releves/:file', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const match = /^(\d+)\.(pdf|csv)$/.exec((request.params as { file: string }).file);
    const statementId = match ? toId(match[1]) : null;
    if (!match || statementId === null) throw notFound('Ce relevé n’existe pas.');
    await requireStatementReader(db, principal, statementId);
    const details = await statementDetails(db, secret, statementId);
    const name = `releve-${details.number}.${match[2]}`;
    reply.header('content-disposition', `attachment; filename="${name}"`);
    return match[2] === 'csv' ? reply.type('text/csv; charset=utf-8').send(statementCsv(details)) : reply.type('application/pdf').send(statementPdf(details));
  });
};
