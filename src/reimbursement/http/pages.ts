import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isAdmin, type Principal } from '../../accounts/use-cases/principal.js';
import { requirePagePrincipal } from '../../http/auth.js';
import { formId, pathId, toId } from '../../http/ids.js';
import { field, renderPage, withFormErrors } from '../../http/page.js';
import { redirectWithFlash } from '../../http/flash.js';
import { confirmationStep, renderConfirmation, UNTICKED_MESSAGE, type Confirmation } from '../../http/confirm.js';
import { formatEuros, plural } from '../../shared/french.js';
import { frenchDay } from '../../shared/dates.js';
import { notFound } from '../../shared/errors.js';
import { getPlace } from '../../places/use-cases/store.js';
import { requireOperator, requireStatementReader } from '../use-cases/access.js';
import { bankDetailsOfPlace, confirmBankDetails, pendingBankDetails, refuseBankDetails, requestBankDetails } from '../use-cases/bank-accounts.js';
import { displayIban } from '../domain/bank.js';
import { canConfirmBankDetails, canEnterBankDetails } from '../domain/policies.js';
import { holderNameForBank } from '../domain/sepa-text.js';
import { runTransferXml } from '../use-cases/files.js';
import { createRun, getRun, markRunPaid, rejectTransfer, statementNumber } from '../use-cases/runs.js';
import { runsList, statementsList } from './list-pages.js';
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
      // Whoever may confirm may refuse, a name the bank cannot receive included.
      canRefuse: Boolean(bank.pending) && canConfirmBankDetails(principal, facts, bank.pending!.requested_by),
      refused: bank.refused && { ...bank.refused, ibanShown: displayIban(bank.refused.iban) },
      ...extra,
    }, status);
  };

  app.get('/lieux/:id/banque', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return bankPage(request, reply, principal, idParam(request));
  });

  app.post('/lieux/:id/banque', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const placeId = idParam(request);
    const form = { titulaire: field(request.body, 'titulaire'), iban: field(request.body, 'iban'), bic: field(request.body, 'bic') };
    return withFormErrors(
      async () => {
        await requestBankDetails(db, principal, placeId, { holderName: form.titulaire, iban: form.iban, bic: form.bic });
        return redirectWithFlash(reply, `/lieux/${placeId}/banque`, 'Coordonnées enregistrées. Une autre personne de votre structure, ou le hub, doit maintenant les confirmer : aucun virement avant cela.');
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
        return redirectWithFlash(reply, `/lieux/${placeId}/banque`, 'Coordonnées bancaires confirmées : les prochains remboursements iront sur ce compte.');
      },
      (error) => bankPage(request, reply, principal, placeId, { error: error.message }, error.status),
    );
  });

  app.post('/lieux/:id/banque/refus', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const placeId = idParam(request);
    const reason = field(request.body, 'motif');
    return withFormErrors(
      async () => {
        await refuseBankDetails(db, principal, formId(field(request.body, 'compte'), 'Le compte à refuser'), reason);
        return redirectWithFlash(reply, `/lieux/${placeId}/banque`, 'Coordonnées bancaires refusées : les médiateurs du lieu voient le motif et peuvent en saisir de nouvelles. Aucun virement ne partira sur ce compte.');
      },
      (error) => bankPage(request, reply, principal, placeId, { error: error.message, refusalReason: reason, refusalError: error.details.field === 'motif' ? error.message : undefined }, error.status),
    );
  });

  const runsPage = async (request: FastifyRequest, reply: FastifyReply, principal: Principal, extra: Record<string, unknown> = {}, status = 200) =>
    renderPage(request, reply, 'reimbursements.njk', {
      title: 'Remboursements des lieux',
      // The operator's list of runs, filtered and paged from the query string (a form re-shown: the first page).
      ...(isAdmin(principal) ? await runsList(db, request.query) : { runs: [] }),
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
        if (result.runId === null) return runsPage(request, reply, principal, { error: 'Rien à rembourser pour cette période.', waiting: result.waiting, until: field(request.body, 'jusqua') });
        return redirectWithFlash(reply, `/remboursements/${result.runId}`, `Remboursement n° ${result.runId} créé : ${plural(result.statementCount, 'lieu', 'lieux')}, ${plural(result.voucherCount, 'chèque')}, ${formatEuros(result.totalCents)}. Téléchargez le fichier de virements, puis marquez-le payé quand la banque les a exécutés.`);
      },
      (error) => runsPage(request, reply, principal, { error: error.message, until: field(request.body, 'jusqua') }, error.status),
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

  /**
   * An operator's money action on a run: the run page's button asks for a confirmation page (summary, required box),
   * which posts again to act; the outcome is shown on the run's page after a redirect.
   */
  const runAction = (
    path: string,
    confirmation: (runId: number, request: FastifyRequest) => Promise<Confirmation>,
    act: (principal: Principal, runId: number, request: FastifyRequest) => Promise<unknown>,
    success: string,
  ) =>
    app.post(`/remboursements/:id/${path}`, async (request, reply) => {
      const principal = requirePagePrincipal(request, reply);
      if (!principal) return reply;
      const runId = idParam(request);
      const step = confirmationStep(request.body);
      return withFormErrors(
        async () => {
          requireOperator(principal);
          if (step !== 'confirmed') return renderConfirmation(request, reply, await confirmation(runId, request), step === 'unticked' ? UNTICKED_MESSAGE : undefined);
          await act(principal, runId, request);
          return redirectWithFlash(reply, `/remboursements/${runId}`, success);
        },
        async (refusal) => {
          // A reason refused on the confirmation page comes back to that page, with what was typed.
          if (step !== 'ask' && refusal.error.kind === 'invalid') {
            const again = await confirmation(runId, request).catch(() => null);
            if (again) return renderConfirmation(request, reply, again, refusal.message, refusal.status);
          }
          return runPage(request, reply, principal, runId, { error: refusal.message }, refusal.status);
        },
      );
    });

  runAction(
    'paye',
    async (runId) => {
      const { run } = await getRun(db, runId);
      return {
        title: `Confirmer le paiement du remboursement n° ${run.id}`,
        consequence: 'Marquez payé seulement quand la banque a exécuté les virements : les relevés des lieux passent à « payé » et cela ne se défait pas.',
        summary: [
          { label: 'Encaissements jusqu’au', value: frenchDay(run.until) },
          { label: 'Lieux', value: plural(run.statement_count, 'lieu', 'lieux') },
          { label: 'Chèques', value: plural(run.voucher_count, 'chèque') },
          { label: 'Montant total', value: formatEuros(run.total_cents) },
        ],
        action: `/remboursements/${run.id}/paye`,
        checkbox: `Je confirme que la banque a exécuté les virements du remboursement n° ${run.id}`,
        button: 'Marquer payé',
        back: `/remboursements/${run.id}`,
      };
    },
    (principal, runId) => markRunPaid(db, principal.userId, runId),
    'Remboursement marqué payé.',
  );
  runAction(
    'rejet',
    async (runId, request) => {
      const statementId = formId(field(request.body, 'releve'), 'Le relevé');
      const { run, statements } = await getRun(db, runId);
      const statement = statements.find((s) => s.id === statementId);
      if (!statement) throw notFound('Ce relevé ne fait pas partie de ce remboursement.');
      return {
        title: `Confirmer le rejet du virement du relevé ${statementNumber(run.id, statement.id)}`,
        consequence: 'Enregistrez un rejet seulement si la banque a renvoyé ce virement : ses chèques reviennent dans le prochain remboursement du lieu.',
        summary: [
          { label: 'Lieu', value: statement.place_name },
          { label: 'Compte', value: `${statement.holder_name}, ${displayIban(statement.iban, true)}` },
          { label: 'Chèques', value: plural(statement.voucher_count, 'chèque') },
          { label: 'Montant', value: formatEuros(statement.total_cents) },
        ],
        action: `/remboursements/${run.id}/rejet`,
        hidden: { releve: String(statement.id) },
        reason: { name: 'motif', label: 'Motif du rejet donné par la banque', hint: 'Par exemple : AC04 compte clos', value: field(request.body, 'motif'), maxLength: 500 },
        checkbox: `Je confirme que la banque a rejeté le virement du relevé ${statementNumber(run.id, statement.id)}`,
        button: 'Enregistrer le rejet',
        back: `/remboursements/${run.id}`,
      };
    },
    (principal, _runId, request) => rejectTransfer(db, principal.userId, formId(field(request.body, 'releve'), 'Le relevé'), field(request.body, 'motif')),
    'Virement rejeté : ses chèques seront dans le prochain remboursement.',
  );

  app.get('/releves', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return renderPage(request, reply, 'statements.njk', { title: 'Mes relevés de remboursement', ...(await statementsList(db, principal, request.query)) });
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
