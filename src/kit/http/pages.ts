import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { hasRole } from '../../accounts/use-cases/principal.js';
import { handBooklet, listAllocatedBooklets } from '../../pass/use-cases/booklets.js';
import { AGE_BANDS, RESIDENCE_FIELD, SITUATIONS } from '../../pass/domain/profile.js';
import { communeFieldInput, communeFieldView, type CommuneFieldSpec } from '../../http/commune-field.js';
import { COMMUNE_KINDS } from '../../territories/domain/commune-resolver.js';
import { resolveCommuneField, type CommuneFieldOutcome } from '../../territories/use-cases/resolve.js';
import { requirePagePrincipal } from '../../http/auth.js';
import { field, renderPage, withFormErrors } from '../../http/page.js';
import { redirectWithFlash } from '../../http/flash.js';
import { formatBookletNumber } from '../../pass/domain/booklet-number.js';
import { answerDiagnostic, goBack, setNear, startDiagnostic } from '../use-cases/diagnostics.js';
import { LEVEL_WORDS } from '../domain/topics.js';
import { SELF_TRAINING_RESOURCES } from '../domain/recommendation.js';
import { loadItemBank } from '../use-cases/item-bank-file.js';
import { summaryPdf } from '../use-cases/summary-pdf.js';
import { diagnosticSummary, WHAT_TO_BRING } from '../use-cases/summary.js';
import { defaultReader, READERS } from '../domain/reader.js';
import { adviceLinks } from './advice-links.js';

const answerOf = (body: unknown): string[] => {
  const value = (body as Record<string, unknown> | undefined)?.answer;
  return ([] as unknown[]).concat(value ?? []).filter((v): v is string => typeof v === 'string');
};

/** Where the person lives, to find the places near them: a commune or an arrondissement, by name or postal code. */
const NEAR_FIELD: CommuneFieldSpec = { name: 'commune', label: 'Votre commune ou code postal', hint: 'par exemple Saint-Nazaire ou 44600', required: true, kinds: COMMUNE_KINDS };
/** The same field when a professional fills the diagnostic in with the person: the person’s commune, not theirs. */
const NEAR_FIELD_FOR_PERSON: CommuneFieldSpec = { ...NEAR_FIELD, label: 'Commune ou code postal de la personne' };
/** The hand-out's commune field, beside the places' one on the same page: its own id. */
const HANDOUT_RESIDENCE_FIELD: CommuneFieldSpec = { ...RESIDENCE_FIELD, id: 'commune-residence' };

export const kitPages: FastifyPluginAsync = async (app) => {
  const { db, secret, config } = app.platform;
  const bank = loadItemBank(config.diagnosticItemsFile);
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

  const welcome = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) =>
    renderPage(request, reply, 'diagnostic-welcome.njk', { title: 'Faire le point sur le numérique', readers: READERS, reader: defaultReader(request.principal), ...extra }, status);

  // The booklet page's link to the second diagnostic brings the booklet's number (digits only): the PIN is typed again.
  app.get('/diagnostic', async (request, reply) => {
    const numero = (request.query as Record<string, unknown>).numero;
    return welcome(request, reply, typeof numero === 'string' && /^[0-9 ]{1,20}$/.test(numero) ? { numero } : {});
  });

  app.post('/diagnostic', { config: { rateLimit: { max: 30, timeWindow: 60_000 } } }, async (request, reply) =>
    withFormErrors(
      async () => {
        const id = await startDiagnostic(db, bank, secret, request.principal, { bookletNumber: field(request.body, 'numero'), bookletPin: field(request.body, 'pin'), reader: field(request.body, 'reader') || undefined });
        return reply.redirect(`/diagnostic/${id}`, 303);
      },
      ({ message: error, status }) => welcome(request, reply, { error, numero: field(request.body, 'numero') }, status),
    ));

  /** The current question, or the result once the diagnostic is over. */
  const diagnosticPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> & { nearInput?: string; nearOutcome?: CommuneFieldOutcome; communeOutcome?: CommuneFieldOutcome } = {}, status = 200) => {
    const summary = await diagnosticSummary(db, bank, idOf(request));
    const { view } = summary;
    if (!view.outcome) return renderPage(request, reply, 'diagnostic-step.njk', { title: view.screen!.question, id: view.id, screen: view.screen, canGoBack: view.canGoBack, ...extra }, status);
    const principal = request.principal;
    const canHand = principal !== null && view.kind === 'initial' && summary.booklet === null && (hasRole(principal, 'prescriber') || hasRole(principal, 'mediator'));
    const available = canHand ? (await listAllocatedBooklets(db, principal!, 200)).filter((b) => b.handed_at === null && b.remaining_count > 0).slice(0, 5) : [];
    return renderPage(request, reply, 'diagnostic-result.njk', {
      title: 'Résultat du diagnostic',
      ...summary,
      advice: adviceLinks(view.outcome.advice, summary),
      levelWords: LEVEL_WORDS,
      resources: SELF_TRAINING_RESOURCES,
      whatToBring: WHAT_TO_BRING,
      canHand,
      available,
      ageBands: AGE_BANDS,
      situations: SITUATIONS,
      form: {},
      nearField: communeFieldView(view.reader === 'professional' ? NEAR_FIELD_FOR_PERSON : NEAR_FIELD, { value: extra.nearInput ?? summary.near ?? '', outcome: extra.nearOutcome }),
      // The commune of the orientation fills the profile's, as its label (never an INSEE code to type).
      communeField: communeFieldView(HANDOUT_RESIDENCE_FIELD, {
        value: extra.form !== undefined ? field(extra.form, 'commune') : summary.orientation?.origin.communeCode ? summary.orientation.origin.label : '',
        outcome: extra.communeOutcome,
      }),
      ...extra,
    }, status);
  };

  app.get('/diagnostic/:id', async (request, reply) => diagnosticPage(request, reply));

  app.post('/diagnostic/:id/reponse', async (request, reply) =>
    withFormErrors(
      async () => {
        await answerDiagnostic(db, bank, idOf(request), field(request.body, 'question'), answerOf(request.body));
        return reply.redirect(`/diagnostic/${idOf(request)}`, 303);
      },
      ({ message: error, status }) => diagnosticPage(request, reply, { error }, status),
    ));

  app.post('/diagnostic/:id/retour', async (request, reply) =>
    withFormErrors(
      async () => {
        await goBack(db, idOf(request));
        return reply.redirect(`/diagnostic/${idOf(request)}`, 303);
      },
      ({ message: error, status }) => diagnosticPage(request, reply, { error }, status),
    ));

  app.post('/diagnostic/:id/lieux', async (request, reply) => {
    const input = communeFieldInput(request.body, 'commune');
    const nearOutcome = await resolveCommuneField(db, input, { kinds: COMMUNE_KINDS });
    if (nearOutcome.status !== 'resolved') {
      const none = nearOutcome.status === 'empty' ? { status: 'none' as const, message: 'Indiquez votre commune ou votre code postal.' } : nearOutcome;
      return diagnosticPage(request, reply, { nearInput: input.text, nearOutcome: none }, none.status === 'none' ? 422 : 200);
    }
    return withFormErrors(
      async () => {
        // The label names that commune alone when the orientation reads it back.
        await setNear(db, idOf(request), nearOutcome.candidate.label);
        return reply.redirect(`/diagnostic/${idOf(request)}#lieux`, 303);
      },
      ({ message: error, status }) => diagnosticPage(request, reply, { error, nearInput: input.text }, status),
    );
  });

  app.post('/diagnostic/:id/carnet', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const communeOutcome = await resolveCommuneField(db, communeFieldInput(request.body, 'commune'), { kinds: COMMUNE_KINDS });
    if (communeOutcome.status === 'ambiguous' || communeOutcome.status === 'none') {
      return diagnosticPage(request, reply, { form: request.body, communeOutcome, ...(communeOutcome.status === 'none' ? { handError: communeOutcome.message } : {}) }, communeOutcome.status === 'none' ? 422 : 200);
    }
    return withFormErrors(
      async () => {
        const handed = await handBooklet(db, principal, field(request.body, 'numero'), {
          ageBand: field(request.body, 'ageBand'),
          communeCode: communeOutcome.status === 'resolved' ? communeOutcome.candidate.territory.code : null,
          situation: field(request.body, 'situation'),
          diagnosticId: idOf(request),
        });
        return redirectWithFlash(reply, `/diagnostic/${idOf(request)}`, `Carnet ${formatBookletNumber(handed.number)} remis. Le niveau du diagnostic est noté dans son profil, sans nom.`);
      },
      ({ message: error, status }) => diagnosticPage(request, reply, { handError: error, form: request.body }, status),
    );
  });

  app.get('/diagnostic/:id/synthese', async (request, reply) => {
    const summary = await diagnosticSummary(db, bank, idOf(request));
    if (!summary.view.outcome) return reply.redirect(`/diagnostic/${idOf(request)}`, 303);
    return renderPage(request, reply, 'diagnostic-summary.njk', { title: 'Ma synthèse', ...summary, advice: adviceLinks(summary.sheet!.advice, summary), levelWords: LEVEL_WORDS, resources: SELF_TRAINING_RESOURCES, whatToBring: WHAT_TO_BRING });
  });

  app.get('/diagnostic/:id/synthese.pdf', async (request, reply) => {
    const summary = await diagnosticSummary(db, bank, idOf(request));
    if (!summary.view.outcome) return reply.redirect(`/diagnostic/${idOf(request)}`, 303);
    return reply.type('application/pdf').header('content-disposition', 'inline; filename="synthese-diagnostic.pdf"').send(summaryPdf(summary, config.serviceName));
  });
};
