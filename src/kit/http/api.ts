import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireApiPrincipal } from '../../http/auth.js';
import { apiErrors, iso, isoDateTime, openObject, publicApiErrors } from '../../http/openapi.js';
import { idParam } from '../../http/ids.js';
import { getAccompaniment, recordAccompaniment } from '../use-cases/accompaniments.js';
import { answerDiagnostic, getDiagnostic, startDiagnostic, type DiagnosticView } from '../use-cases/diagnostics.js';
import { ACCOMPANIMENT_KINDS, REFERRALS, THEMES } from '../domain/accompaniment.js';
import { loadItemBank } from '../use-cases/item-bank-file.js';
import { orient } from '../use-cases/orientation.js';

const uuid = z.string().uuid();
const level = z.number().int().min(1).max(3);
const screenSchema = z.object({
  type: z.enum(['obstacle', 'item']),
  id: z.string(),
  question: z.string(),
  hint: z.string(),
  multiple: z.boolean().describe('plusieurs réponses possibles (cases à cocher)'),
  topic: z.string().nullable(),
  choices: z.array(z.object({ id: z.string(), text: z.string() })),
  step: z.number(),
  estimatedSteps: z.number(),
});
const placeSchema = z.object({ id: z.number(), name: z.string(), address: z.string(), postalCode: z.string(), commune: z.string(), distanceKm: z.number(), openNow: z.boolean().nullable(), opening: z.string().nullable(), services: z.array(z.string()) });
const diagnosticSchema = z.object({
  id: z.string(),
  kind: z.enum(['initial', 'followup']),
  status: z.enum(['in_progress', 'finished']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  question: screenSchema.nullable().describe('la question en cours ; null quand le diagnostic est terminé'),
  result: z
    .object({
      overall: level,
      overallWords: z.string(),
      levels: z.array(z.object({ topic: z.string(), label: z.string(), level })),
      obstacles: z.object({ equipment: z.array(z.string()), internet: z.string(), feelings: z.array(z.string()) }),
      obstaclesText: z.array(z.string()),
      recommendation: z.object({
        workshops: z.object({ min: z.number(), max: z.number() }).nullable(),
        vouchers: z.number(),
        services: z.array(z.string()),
        helpServices: z.array(z.string()),
        selfTraining: z.boolean(),
        helperReferral: z.boolean(),
        individualSupport: z.boolean(),
        advice: z.array(z.string()),
        rules: z.array(z.string()),
      }),
    })
    .nullable(),
  orientation: z.object({ near: z.string(), workshopPlaces: z.array(placeSchema), helpPlaces: z.array(placeSchema) }).nullable(),
});

const toApi = (view: DiagnosticView) => ({
  id: view.id,
  kind: view.kind,
  status: view.outcome ? ('finished' as const) : ('in_progress' as const),
  startedAt: view.startedAt.toISOString(),
  finishedAt: view.finishedAt?.toISOString() ?? null,
  question: view.screen,
  result: view.outcome,
  orientation: null,
});

const participantSchema = z.object({
  voucherCode: z.string().max(40).optional().describe('code du chèque, encaissé avec l’enregistrement ; absent pour un participant anonyme'),
  autonomy: level.optional().describe('autonomie observée, 1 à 3'),
  referral: z.enum(Object.keys(REFERRALS) as [string, ...string[]]).optional().describe('orientée ailleurs : vers qui'),
});

export const kitApi: FastifyPluginAsyncZod = async (app) => {
  const { db, secret, config } = app.platform;
  const bank = loadItemBank(config.diagnosticItemsFile);

  app.post(
    '/diagnostics',
    {
      config: { rateLimit: { max: 30, timeWindow: 60_000 } },
      schema: {
        tags: ['diagnostic'],
        summary: 'Commencer un diagnostic (sans compte possible). Avec le numéro et le code secret d’un carnet remis : deuxième diagnostic, pour mesurer les progrès',
        description: 'Crée un diagnostic anonyme (son identifiant aléatoire est la seule clé pour le reprendre) et renvoie la première question : les obstacles d’abord, puis les compétences sur l’échelle du CRCN. Avec un carnet remis (numéro et code secret), c’est un deuxième diagnostic lié au carnet. 30 par minute au plus.',
        body: z.object({ bookletNumber: z.string().max(20).optional(), bookletPin: z.string().max(8).optional() }).optional(),
        response: { 201: diagnosticSchema, ...publicApiErrors(400, 404, 409, 422, 429) },
        security: [{}, { bearer: [] }],
      },
    },
    async (request, reply) => {
      const id = await startDiagnostic(db, bank, secret, request.principal, request.body ?? {});
      return reply.status(201).send(toApi(await getDiagnostic(db, bank, id)));
    },
  );

  app.post(
    '/diagnostics/:id/answers',
    {
      schema: {
        tags: ['diagnostic'],
        summary: 'Répondre à la question en cours ; renvoie la suivante, ou le résultat quand le diagnostic est terminé',
        description: 'Enregistre la réponse à la question en cours (questionId doit être celle-ci ; une réponse répétée est sans effet) et renvoie le diagnostic : la question suivante, ou, quand il n’y a plus rien à demander, les niveaux, les obstacles et la recommandation, figés.',
        params: z.object({ id: uuid }),
        body: z.object({ questionId: z.string().max(60), answer: z.union([z.string().max(20), z.array(z.string().max(20)).max(10)]).describe('identifiant du choix (« nsp » : je ne sais pas), ou liste pour une question à choix multiples') }),
        response: { 200: diagnosticSchema, ...publicApiErrors(400, 404, 409, 422) },
        security: [{}, { bearer: [] }],
      },
    },
    async (request) => {
      await answerDiagnostic(db, bank, request.params.id, request.body.questionId, ([] as string[]).concat(request.body.answer));
      return toApi(await getDiagnostic(db, bank, request.params.id));
    },
  );

  app.get(
    '/diagnostics/:id',
    {
      schema: {
        tags: ['diagnostic'],
        summary: 'Un diagnostic : la question en cours, ou le résultat et la recommandation ; avec « near », les lieux conseillés les plus proches',
        description: 'Le diagnostic tel qu’il en est. Terminé, avec near (commune, code postal ou coordonnées) ou la commune donnée au début : les lieux labellisés acceptant le pass les plus proches pour les ateliers conseillés, et ceux qui aident aux démarches.',
        params: z.object({ id: uuid }),
        querystring: z.object({ near: z.string().max(100).optional().describe('commune, code postal ou « lat,lon »') }),
        response: { 200: diagnosticSchema, ...publicApiErrors(400, 404) },
        security: [{}, { bearer: [] }],
      },
    },
    async (request) => {
      const view = await getDiagnostic(db, bank, request.params.id);
      const near = request.query.near ?? view.near;
      if (!view.outcome || !near) return toApi(view);
      const orientation = await orient(db, view.outcome.recommendation, near);
      return { ...toApi(view), orientation: { near: orientation.origin.label, workshopPlaces: orientation.workshopPlaces, helpPlaces: orientation.helpPlaces } };
    },
  );

  app.post(
    '/accompaniments',
    {
      schema: {
        tags: ['accompagnements'],
        summary: 'Enregistrer un accompagnement individuel ou un atelier collectif ; les chèques des participants sont encaissés dans la même transaction (tout ou rien)',
        description: 'Le médiateur d’un lieu enregistre la séance (date, durée, thèmes) et ses participants (30 au plus) : le chèque de chacun est encaissé dans la même transaction, ou relié s’il l’a déjà été au lieu ; au moindre refus rien n’est enregistré. Autonomie observée et orientation par participant, sans nom. Journalisé.',
        body: z.object({
          kind: z.enum(Object.keys(ACCOMPANIMENT_KINDS) as ['individual', 'workshop']),
          placeId: z.number().int().positive(),
          date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('AAAA-MM-JJ'),
          durationMinutes: z.number().int(),
          themes: z.array(z.enum(Object.keys(THEMES) as [string, ...string[]])).min(1),
          participants: z.array(participantSchema).min(1).max(30),
        }),
        response: {
          201: z.object({ id: z.number(), redeemed: z.array(z.object({ code: z.string(), amountCents: z.number() })), linked: z.array(z.string()), anonymous: z.number() }),
          ...apiErrors(404, 409, 410, 422),
        },
      },
    },
    async (request, reply) => reply.status(201).send(await recordAccompaniment(db, secret, requireApiPrincipal(request), request.body)),
  );

  app.get(
    '/accompaniments/:id',
    {
      schema: {
        tags: ['accompagnements'],
        summary: 'Un accompagnement de ma structure et ses participants',
        description: 'Une séance enregistrée par un lieu de ma structure : type, lieu, date, durée, thèmes, et pour chaque participant le chèque encaissé, l’autonomie observée et l’orientation.',
        params: z.object({ id: idParam }),
        response: {
          200: openObject({
            id: z.number(),
            kind: z.string().describe('individual ou workshop'),
            kindLabel: z.string(),
            placeName: z.string(),
            date: z.string().describe('AAAA-MM-JJ'),
            durationMinutes: z.number(),
            themes: z.array(z.string()),
            recordedAt: isoDateTime,
            participants: z.array(openObject({ code: z.string().nullable(), amountCents: z.number().nullable(), autonomy: z.number().nullable(), referral: z.string().nullable() })),
          }),
          ...apiErrors(404),
        },
      },
    },
    async (request) => {
      const details = await getAccompaniment(db, secret, requireApiPrincipal(request), request.params.id);
      return { ...details, recordedAt: iso(details.recordedAt) };
    },
  );
};
