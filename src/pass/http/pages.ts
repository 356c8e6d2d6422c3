import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { hasRole, isAdmin, organisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import { listOrganisations, organisationsHavingRole } from '../../accounts/use-cases/store.js';
import { requirePagePrincipal } from '../../http/auth.js';
import '../../http/dashboard-summary.js';
import { formId, formWholeNumber, optionalFormId, parseId, pathId } from '../../http/ids.js';
import { field, renderPage, withFormErrors } from '../../http/page.js';
import { redirectWithFlash } from '../../http/flash.js';
import { confirmationStep, renderConfirmation, UNTICKED_MESSAGE } from '../../http/confirm.js';
import { formatEuros, ofInstitution, plural } from '../../shared/french.js';
import { DomainError, forbidden, invalid } from '../../shared/errors.js';
import { parseEurosToCents } from '../../shared/money.js';
import { recordPayment } from '../use-cases/activation.js';
import { bookletBalance } from '../use-cases/balance.js';
import { bookletProgress } from '../../kit/use-cases/progress.js';
import { allocateBooklets, handBooklet, listOrderBooklets } from '../use-cases/booklets.js';
import { bookletPin, formatBookletNumber } from '../domain/booklet-number.js';
import { MAX_PIN_FAILURES, unlockBooklet } from '../use-cases/booklet-pin.js';
import { canCancelOrder, canCreateProgramme, canDecideCofunding, canSeeBookletPin } from '../domain/policies.js';
import { AGE_BANDS, DIAGNOSTIC_LEVELS, RESIDENCE_FIELD, SERVICE_NAMES, SITUATIONS } from '../domain/profile.js';
import { communeFieldInput, communeFieldView } from '../../http/commune-field.js';
import { COMMUNE_KINDS, TERRITORY_KINDS } from '../../territories/domain/commune-resolver.js';
import { communeByCode, resolveCommuneField, resolveDepartementList, type CommuneFieldOutcome } from '../../territories/use-cases/resolve.js';
import { expireVouchers } from '../use-cases/expiry.js';
import { expiryNoticesFor } from '../use-cases/expiry-warnings.js';
import { funderReport, SMALL_COUNT } from '../use-cases/report.js';
import { reportCsv, reportPdf, reportZip } from '../use-cases/report-files.js';
import { issueOrder } from '../use-cases/issuance.js';
import { verifyLedger } from '../use-cases/ledger.js';
import { cancelOrder, getOrder, placeOrder } from '../use-cases/orders.js';
import { bookletsList, ordersList } from './list-pages.js';
import { COFUNDING_STATUS_LABELS, createProgramme, decideCofunding, listProgrammes, updateCofunders } from '../use-cases/programmes.js';
import { limitRefusals, listRedemptions, redeemVoucher, requireUndoableRedemption, resolvePlace, undoRedemption } from '../use-cases/redemption.js';
import { bookletVoucherCodes, publicVoucherView } from '../use-cases/vouchers.js';
import { verifyVoucherCode } from '../domain/voucher-code.js';
import { bookletsPdf } from '../use-cases/print/booklet-pdf.js';
import { printableBooklets } from '../use-cases/print/printable.js';
import { randomUUID } from 'node:crypto';
import { isUuid } from '../../shared/uuid.js';
import { canStartFollowUp } from '../../kit/use-cases/progress.js';
import { formatVoucherCode, makeVoucherCode } from '../domain/voucher-code.js';
import { redeemablePlaces } from '../use-cases/redemption.js';

/** A programme's validity typed in its form: 1 to 60 months, as the API accepts. */
function validityMonths(value: string): number {
  const months = formWholeNumber(value || '12');
  if (!(months >= 1 && months <= 60)) throw new DomainError('invalid', 'validite', 'La durée de validité se compte en mois, de 1 à 60.');
  return months;
}

export const passPages: FastifyPluginAsync = async (app) => {
  const { db, secret } = app.platform;

  app.get('/carnet', async (request, reply) => renderPage(request, reply, 'balance.njk', { title: 'Mon carnet' }));

  app.post('/carnet', { config: { rateLimit: { max: 20, timeWindow: 60_000 } } }, async (request, reply) => {
    const number = field(request.body, 'numero');
    return withFormErrors(
      async () => {
        const balance = await bookletBalance(db, secret, number, field(request.body, 'code'));
        return renderPage(request, reply, 'balance.njk', {
          title: 'Mon carnet', number, balance, progress: await bookletProgress(db, balance.bookletId),
          // The link to the second diagnostic follows the rule that refuses it before any workshop (kit follow-up.ts).
          canMeasureProgress: canStartFollowUp({ handed: balance.handed, usedVouchers: balance.used }),
          // The places search starts from the profile's commune, as its label (a bare INSEE code may be another's postal code).
          nearField: communeFieldView(
            { name: 'near', label: 'Ma commune ou mon code postal', required: true, kinds: TERRITORY_KINDS },
            { value: balance.communeCode ? ((await communeByCode(db, balance.communeCode))?.label ?? '') : '' },
          ),
        });
      },
      ({ message: error, status }) => renderPage(request, reply, 'balance.njk', { title: 'Mon carnet', number, error }, status),
    );
  });

  /**
   * A voucher's public page (the target of its QR code). A mediator signed in also gets the desk's action for the
   * places where the policy lets them redeem (canRedeemAt); the redemption guards decide when it is sent.
   */
  const voucherPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) => {
    const verdict = verifyVoucherCode(secret, (request.params as { code: string }).code);
    const voucher = verdict.ok ? await publicVoucherView(db, verdict.serial) : null;
    if (!verdict.ok || !voucher) return renderPage(request, reply, 'voucher.njk', { title: 'Chèque du pass numérique', error: 'Ce code ne correspond à aucun chèque du pass numérique.' }, 404);
    const places = voucher.usable ? await redeemablePlaces(db, request.principal) : [];
    const code = formatVoucherCode(makeVoucherCode(secret, verdict.serial));
    return renderPage(request, reply, 'voucher.njk', {
      title: 'Chèque du pass numérique',
      voucher,
      // A fresh key per form shown: the same form sent twice (a double tap, a reload) redeems once and answers the same.
      desk: places.length ? { code, places, key: randomUUID() } : null,
      ...extra,
    }, status);
  };

  app.get('/c/:code', { config: { rateLimit: { max: 30, timeWindow: 60_000 } } }, async (request, reply) => voucherPage(request, reply));

  app.post('/c/:code/encaissement', { config: { rateLimit: { max: 30, timeWindow: 60_000 } } }, async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    if (!hasRole(principal, 'mediator')) throw forbidden('Cette action est réservée aux médiateurs d’un lieu.');
    const key = field(request.body, 'cle');
    return withFormErrors(
      async () => {
        const placeId = await resolvePlace(db, principal, optionalFormId(field(request.body, 'placeId'), 'Le lieu'));
        const { result } = await redeemVoucher(app.platform, principal, (request.params as { code: string }).code, placeId, isUuid(key) ? `c:${key}` : undefined)
          .catch((error) => limitRefusals(db, principal, error));
        return redirectWithFlash(reply, `/c/${result.code}`, `Chèque ${result.code} encaissé à « ${result.place.name} » : ${formatEuros(result.amountCents)} (${result.programme.name}).`);
      },
      ({ message: error, status }) => voucherPage(request, reply, { error, chosenPlaceId: field(request.body, 'placeId') }, status),
    );
  });

  app.get('/commandes/:id/carnets.pdf', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const order = await getOrder(db, principal, pathId(request.params));
    if (order.status === 'placed' || order.status === 'cancelled') throw new DomainError('conflict', 'non_emise', 'Les carnets de cette commande ne sont pas émis : rien à imprimer.');
    return reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="carnets-commande-${order.id}.pdf"`)
      .send(bookletsPdf(printableBooklets(db, secret, { orderId: order.id }), { publicUrl: app.platform.config.publicUrl }));
  });

  app.get('/financeurs/:id/:file', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const { id: rawId, file } = request.params as { id: string; file: string };
    const id = parseId(rawId);
    const report = await funderReport(db, principal, id);
    if (file === 'rapport.csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="rapport-financeur-${id}.csv"`).send(reportCsv(report));
    if (file === 'rapport.zip') return reply.type('application/zip').header('content-disposition', `attachment; filename="rapport-financeur-${id}.zip"`).send(reportZip(report));
    if (file === 'rapport.pdf') return reply.type('application/pdf').header('content-disposition', `attachment; filename="rapport-financeur-${id}.pdf"`).send(reportPdf(report));
    if (file !== 'rapport') throw new DomainError('not_found', 'introuvable', 'Cette page n’existe pas.');
    // The pilotage's key numbers of this funder's programmes (app.ts hands the use case: pass never imports pilotage).
    const dashboard = (await request.server.dashboardSummary?.(principal, { funder: String(id) })) ?? null;
    return renderPage(request, reply, 'funder-report.njk', { title: `Rapport ${ofInstitution(report.funder.name)}`, report, smallCount: SMALL_COUNT, dashboard });
  });

  const programmesPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) => {
    const principal = request.principal!;
    const programmes = (await listProgrammes(db)).map((p) => ({
      ...p,
      cofunders: p.cofunders.map((c) => ({ ...c, statusLabel: COFUNDING_STATUS_LABELS[c.status], canDecide: c.status === 'pending' && canDecideCofunding(principal, c.organisationId) })),
      canEditCofunders: !p.ready && (isAdmin(principal) || principal.memberships.some((m) => m.organisationId === p.createdByOrganisationId && ['funder', 'hub', 'admin'].includes(m.role))),
    }));
    return renderPage(request, reply, 'programmes.njk', {
      title: 'Programmes',
      programmes,
      // Only organisations of the funder kind may co-fund: the form offers nothing else.
      organisations: (await listOrganisations(db)).filter((o) => o.kinds.includes('funder')),
      services: SERVICE_NAMES,
      canCreate: canCreateProgramme(principal),
      ...extra,
    }, status);
  };

  app.get('/programmes', async (request, reply) => (requirePagePrincipal(request, reply) ? programmesPage(request, reply) : reply));

  /** The three co-funder rows of the programme forms. */
  const cofundersOf = (body: Record<string, unknown>) =>
    [1, 2, 3]
      .map((i) => ({ organisationId: field(body, `cofunder${i}`), share: field(body, `share${i}`) }))
      .filter((c) => c.organisationId !== '' && c.organisationId !== '0')
      .map((c) => ({ organisationId: formId(c.organisationId, 'Le cofinanceur'), shareBp: Math.round(Number(c.share.replace(',', '.')) * 100) }));

  app.post('/programmes/:id/part', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const accept = field(request.body, 'decision') === 'accepter';
    return withFormErrors(
      async () => {
        await decideCofunding(db, principal, {
          programmeId: pathId(request.params, 'Ce programme n’existe pas.'),
          organisationId: formId(field(request.body, 'organisationId'), 'Le cofinanceur'),
          accept,
          reason: field(request.body, 'motif'),
        });
        return redirectWithFlash(reply, '/programmes', accept ? 'Part acceptée : décision enregistrée et journalisée.' : 'Part refusée : décision et motif enregistrés et journalisés.');
      },
      ({ message: error, status }) => programmesPage(request, reply, { error, decisionForm: { programmeId: (request.params as { id: string }).id, organisationId: field(request.body, 'organisationId'), motif: field(request.body, 'motif') } }, status),
    );
  });

  app.post('/programmes/:id/cofinanceurs', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return withFormErrors(
      async () => {
        await updateCofunders(db, principal, pathId(request.params, 'Ce programme n’existe pas.'), cofundersOf(request.body as Record<string, unknown>));
        return redirectWithFlash(reply, '/programmes', 'Cofinanceurs enregistrés : chacun doit maintenant accepter sa part.');
      },
      // The rows typed come back in that programme's form, opened, with the error.
      ({ message: error, status }) => programmesPage(request, reply, { error, cofundersForm: { programmeId: (request.params as { id: string }).id, values: request.body } }, status),
    );
  });

  app.post('/programmes', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const body = request.body as Record<string, string | string[]>;
    const services = body.services === undefined ? [] : ([] as string[]).concat(body.services);
    return withFormErrors(
      async () => {
        const faceValueCents = parseEurosToCents(field(body, 'faceValue') || '10');
        if (faceValueCents === null || faceValueCents <= 0) throw new DomainError('invalid', 'valeur', 'La valeur faciale doit être un montant en euros, par exemple 10 ou 12,50.');
        await createProgramme(db, principal, {
          name: field(body, 'name'),
          // Names or numbers (« Loire-Atlantique, 85 »), each resolved by the commune resolver.
          departementCodes: await resolveDepartementList(db, field(body, 'departements')),
          faceValueCents,
          validityMonths: validityMonths(field(body, 'validityMonths')),
          cofunders: cofundersOf(body),
          eligibleServices: services,
          allowDirectHanding: field(body, 'allowDirectHanding') === 'on',
        });
        return redirectWithFlash(reply, '/programmes', 'Programme créé. Chaque cofinanceur doit maintenant accepter sa part : aucune commande avant cela.');
      },
      ({ message: error, status }) => programmesPage(request, reply, { error, form: { ...body, services } }, status),
    );
  });

  const ordersPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) =>
    renderPage(request, reply, 'orders.njk', {
      title: 'Commandes',
      // The list's filters and page come from the query string (a form re-shown after an error: the first page).
      ...(await ordersList(db, request.principal!, request.query)),
      programmes: await listProgrammes(db),
      canOrder: hasRole(request.principal!, 'funder'),
      notices: await expiryNoticesFor(db, request.principal!),
      ...extra,
    }, status);

  app.get('/commandes', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    if (!hasRole(principal, 'funder') && !isAdmin(principal)) throw forbidden('Cette page est réservée aux financeurs et à l’opérateur.');
    return ordersPage(request, reply);
  });

  app.post('/commandes', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return withFormErrors(
      async () => {
        const orderId = await placeOrder(db, principal, {
          programmeId: formId(field(request.body, 'programmeId'), 'Le programme'),
          bookletCount: formWholeNumber(field(request.body, 'bookletCount')),
          vouchersPerBooklet: formWholeNumber(field(request.body, 'vouchersPerBooklet') || '10'),
        });
        const order = await getOrder(db, principal, orderId);
        return redirectWithFlash(reply, `/commandes/${orderId}`, `Commande n° ${orderId} enregistrée : ${plural(order.booklet_count, 'carnet')} de ${plural(order.vouchers_per_booklet, 'chèque')}, ${formatEuros(order.amount_cents)}. L’opérateur va émettre les carnets.`);
      },
      ({ message: error, status }) => ordersPage(request, reply, { error, form: request.body }, status),
    );
  });

  const orderPage = async (request: FastifyRequest, reply: FastifyReply, orderId: number, extra: Record<string, unknown> = {}, status = 200) => {
    const principal = request.principal!;
    const order = await getOrder(db, principal, orderId);
    const booklets = await listOrderBooklets(db, principal, orderId, 100);
    const isFunder = organisationsWithRole(principal, 'funder').includes(order.funder_organisation_id);
    // The funder prints its booklets: it sees the PIN of each booklet not yet handed to a person (canSeeBookletPin).
    const printable = isFunder && order.status !== 'placed'
      ? await Promise.all(booklets.slice(0, 5).map(async (b) => ({
          number: b.number,
          pin: canSeeBookletPin(principal, { handed: b.handed_at !== null, funderOrganisationId: order.funder_organisation_id, allocatedOrganisationId: b.allocated_organisation_id }) ? bookletPin(secret, b.id, b.pin_digits) : null,
          codes: await bookletVoucherCodes(db, secret, b.id),
        })))
      : [];
    return renderPage(request, reply, 'order.njk', {
      title: `Commande n° ${order.id}`,
      order,
      booklets,
      printable,
      unallocated: booklets.filter((b) => b.allocated_organisation_id === null).length,
      prescribers: await organisationsHavingRole(db, 'prescriber'),
      isFunder,
      isOperator: isAdmin(principal),
      canCancel: (order.status === 'placed' || order.status === 'issued') && canCancelOrder(principal, order.funder_organisation_id),
      maxPinFailures: MAX_PIN_FAILURES,
      ...extra,
    }, status);
  };

  app.get('/commandes/:id', async (request, reply) => {
    if (!requirePagePrincipal(request, reply)) return reply;
    return orderPage(request, reply, pathId(request.params));
  });

  const orderAction = (path: string, run: (orderId: number, request: FastifyRequest) => Promise<string>) =>
    app.post(`/commandes/:id/${path}`, async (request, reply) => {
      if (!requirePagePrincipal(request, reply)) return reply;
      const orderId = pathId(request.params);
      return withFormErrors(
        async () => redirectWithFlash(reply, `/commandes/${orderId}`, await run(orderId, request)),
        ({ message: error, status }) => orderPage(request, reply, orderId, { error, form: request.body }, status),
      );
    });

  orderAction('emission', async (orderId, request) => {
    if (!isAdmin(request.principal!)) throw forbidden('Seul l’opérateur émet les carnets.');
    const result = await issueOrder(db, request.principal!.userId, orderId);
    return `${plural(result.bookletCount, 'carnet')} et ${plural(result.voucherCount, 'chèque')} émis.`;
  });
  orderAction('paiement', async (orderId, request) => {
    if (!isAdmin(request.principal!)) throw forbidden('Seul l’opérateur enregistre les paiements.');
    const count = await recordPayment(db, request.principal!.userId, orderId, field(request.body, 'reference'));
    return `Paiement enregistré : ${plural(count, 'chèque activé', 'chèques activés')}.`;
  });
  orderAction('attribution', async (orderId, request) => {
    const numbers = await allocateBooklets(db, request.principal!, {
      orderId,
      recipientOrganisationId: formId(field(request.body, 'organisationId'), 'La structure'),
      bookletCount: formWholeNumber(field(request.body, 'bookletCount')),
    });
    return `${plural(numbers.length, 'carnet attribué', 'carnets attribués')}.`;
  });

  // Cancelling an unpaid order is a money action: its button asks for a confirmation page first (summary, required
  // box), which posts again with `etape=confirmer`. getOrder refuses an order the principal may not see, before both.
  app.post('/commandes/:id/annulation', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const orderId = pathId(request.params);
    const step = confirmationStep(request.body);
    return withFormErrors(
      async () => {
        const order = await getOrder(db, principal, orderId);
        if (step !== 'confirmed') {
          return renderConfirmation(request, reply, {
            title: `Confirmer l’annulation de la commande n° ${order.id}`,
            consequence: order.status === 'issued'
              ? 'Les chèques déjà émis sont annulés et ne pourront jamais servir ; l’engagement des cofinanceurs est repris. Une commande annulée ne se rétablit pas.'
              : 'La commande est retirée et l’engagement des cofinanceurs est repris. Une commande annulée ne se rétablit pas.',
            summary: [
              { label: 'Programme', value: order.programme_name },
              { label: 'Financeur', value: order.funder_name },
              { label: 'Carnets', value: `${plural(order.booklet_count, 'carnet')} de ${plural(order.vouchers_per_booklet, 'chèque')}` },
              { label: 'Montant', value: formatEuros(order.amount_cents) },
            ],
            action: `/commandes/${order.id}/annulation`,
            checkbox: `Je confirme l’annulation de la commande n° ${order.id}`,
            button: 'Annuler la commande',
            back: `/commandes/${order.id}`,
          }, step === 'unticked' ? UNTICKED_MESSAGE : undefined);
        }
        await cancelOrder(db, principal, orderId);
        return redirectWithFlash(reply, `/commandes/${orderId}`, `Commande n° ${orderId} annulée : ${formatEuros(order.amount_cents)} ne sont plus dus par les cofinanceurs.`);
      },
      ({ message: error, status }) => orderPage(request, reply, orderId, { error }, status),
    );
  });

  const bookletsPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> & { communeOutcome?: CommuneFieldOutcome } = {}, status = 200) =>
    renderPage(request, reply, 'booklets.njk', {
      title: 'Carnets à remettre',
      communeField: communeFieldView(RESIDENCE_FIELD, { value: field(extra.form, 'commune'), outcome: extra.communeOutcome }),
      ...(await bookletsList(db, request.principal!, request.query)),
      ageBands: AGE_BANDS,
      situations: SITUATIONS,
      levels: DIAGNOSTIC_LEVELS,
      maxPinFailures: MAX_PIN_FAILURES,
      notices: await expiryNoticesFor(db, request.principal!),
      ...extra,
    }, status);

  app.get('/carnets', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    if (!hasRole(principal, 'prescriber') && !hasRole(principal, 'mediator')) throw forbidden('Cette page est réservée aux prescripteurs.');
    return bookletsPage(request, reply, { form: { numero: (request.query as Record<string, string>).numero ?? '' } });
  });

  app.post('/carnets/remise', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const level = field(request.body, 'diagnosticLevel');
    // The commune typed (name or postal code) resolved first: several candidates come back as a choice, nothing handed.
    const communeOutcome = await resolveCommuneField(db, communeFieldInput(request.body, 'commune'), { kinds: COMMUNE_KINDS });
    if (communeOutcome.status === 'ambiguous' || communeOutcome.status === 'none') {
      const status = communeOutcome.status === 'none' ? 422 : 200;
      return bookletsPage(request, reply, { form: request.body, communeOutcome, ...(status === 422 ? { error: communeOutcome.message } : {}) }, status);
    }
    return withFormErrors(
      async () => {
        const handed = await handBooklet(db, principal, field(request.body, 'numero'), {
          ageBand: field(request.body, 'ageBand'),
          communeCode: communeOutcome.status === 'resolved' ? communeOutcome.candidate.territory.code : null,
          situation: field(request.body, 'situation'),
          diagnosticLevel: level ? Number(level) : null,
        });
        return redirectWithFlash(reply, '/carnets', `Carnet ${formatBookletNumber(handed.number)} remis : ${plural(handed.voucherCount, 'chèque utilisable', 'chèques utilisables')}.`);
      },
      ({ message: error, status }) => bookletsPage(request, reply, { error, form: request.body }, status),
    );
  });

  // The prescriber unlocks from its booklets' page, the funder (or the operator) from the order's page: the answer
  // comes back to the page the form was on.
  app.post('/carnets/deblocage', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const orderField = field(request.body, 'commande');
    const back = (extra: Record<string, unknown>, status = 200) =>
      orderField ? orderPage(request, reply, formId(orderField, 'La commande'), extra, status) : bookletsPage(request, reply, { form: {}, ...extra }, status);
    return withFormErrors(
      async () => {
        const unlocked = await unlockBooklet(db, principal, field(request.body, 'numero'));
        return redirectWithFlash(reply, orderField ? `/commandes/${formId(orderField, 'La commande')}` : '/carnets', `Carnet ${formatBookletNumber(unlocked.number)} débloqué : la personne peut de nouveau saisir son code secret.`);
      },
      ({ message: error, status }) => back({ error }, status),
    );
  });

  const redeemPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) => {
    const organisations = organisationsWithRole(request.principal!, 'mediator');
    return renderPage(request, reply, 'redeem.njk', {
      title: 'Encaisser un chèque',
      places: organisations.length ? await db.selectFrom('places').select(['id', 'name']).where('organisation_id', 'in', organisations).where('active', '=', true).orderBy('name').execute() : [],
      redemptions: await listRedemptions(db, secret, request.principal!, 20),
      ...extra,
    }, status);
  };
  /** The desk's forms are a mediator's: anyone else is refused before any query (and before the page is drawn). */
  const requireMediator = (principal: Principal) => {
    if (!hasRole(principal, 'mediator')) throw forbidden('Cette page est réservée aux médiateurs d’un lieu.');
  };

  app.get('/encaisser', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    requireMediator(principal);
    return redeemPage(request, reply);
  });

  app.post('/encaisser', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    requireMediator(principal);
    const code = field(request.body, 'code');
    const placeField = field(request.body, 'placeId');
    return withFormErrors(
      async () => {
        const placeId = await resolvePlace(db, principal, optionalFormId(placeField, 'Le lieu'));
        const { result } = await redeemVoucher(app.platform, principal, code, placeId).catch((error) => limitRefusals(db, principal, error));
        return redirectWithFlash(reply, '/encaisser', `Chèque accepté : chèque ${result.code} de ${formatEuros(result.amountCents)} encaissé à « ${result.place.name} » (${result.programme.name}).`);
      },
      ({ message: error, status }) => redeemPage(request, reply, { error, code }, status),
    );
  });

  app.post('/encaisser/annulation', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    requireMediator(principal);
    const code = field(request.body, 'code');
    const reason = field(request.body, 'motif');
    // The button of a line only asks: the undo happens on the confirmation form, ticked and with a reason. The
    // form is shown only for a redemption of one of the mediator's places.
    if (field(request.body, 'etape') !== 'confirmer') {
      return withFormErrors(
        async () => {
          await requireUndoableRedemption(db, secret, principal, code);
          return redeemPage(request, reply, { undo: { code, reason } });
        },
        ({ message: error, status }) => redeemPage(request, reply, { error }, status),
      );
    }
    return withFormErrors(
      async () => {
        if (field(request.body, 'confirmation') !== 'oui') {
          throw invalid('Cochez « Je confirme l’annulation de l’encaissement de ce chèque » pour annuler l’encaissement.', 'confirmation_requise');
        }
        const undone = await undoRedemption(db, secret, principal, code, reason);
        return redirectWithFlash(reply, '/encaisser', `Encaissement du chèque ${undone.code} annulé : le chèque est de nouveau utilisable.`);
      },
      ({ message: error, status, code: refusal }) =>
        redeemPage(request, reply, { error, ...(['confirmation_requise', 'motif_requis', 'motif_trop_long'].includes(refusal) ? { undo: { code, reason } } : {}) }, status),
    );
  });

  const adminPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) =>
    renderPage(request, reply, 'admin.njk', { title: 'Opérateur', ledger: await verifyLedger(db), ...extra });

  app.get('/admin', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    if (!isAdmin(principal)) throw forbidden('Cette page est réservée à l’opérateur.');
    return adminPage(request, reply);
  });

  app.post('/admin/expiration', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    if (!isAdmin(principal)) throw forbidden('Cette page est réservée à l’opérateur.');
    const result = await expireVouchers(db, principal.userId);
    return redirectWithFlash(reply, '/admin', result.voucherCount === 0 ? 'Aucun chèque échu : rien n’a expiré.' : `${plural(result.voucherCount, 'chèque expiré', 'chèques expirés')} : ${formatEuros(result.amountCents)} à rendre aux cofinanceurs.`);
  });
};
