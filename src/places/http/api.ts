import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireApiPrincipal } from '../../http/auth.js';
import { idParam } from '../../http/ids.js';
import { requireReviewer } from '../use-cases/access.js';
import { openingState, weekSchedule } from '../domain/opening-hours.js';
import { exportCsv, exportJson } from '../use-cases/export.js';
import { importPlaces } from '../use-cases/import.js';
import { applyForLabel, decideLabel, labelsToReview, listCriteria } from '../use-cases/labels.js';
import { hasOrigin, searchParams, toSearchQuery } from './query-params.js';
import { invalid } from '../../shared/errors.js';
import { publicApiErrors } from '../../http/openapi.js';
import { standardRecord } from '../use-cases/record.js';
import { searchPlaces } from '../use-cases/search.js';
import { createPlace, getPlace, updatePlace } from '../use-cases/store.js';
import { organisationsWithRole } from '../../accounts/use-cases/principal.js';
import { STANDARD_FIELDS } from '../domain/standard.js';

const error = z.object({ error: z.string(), message: z.string() }).passthrough();
const id = idParam;
const hit = z.object({
  id: z.number(),
  name: z.string(),
  address: z.string(),
  postalCode: z.string(),
  commune: z.string(),
  lat: z.number(),
  lon: z.number(),
  distanceKm: z.number(),
  services: z.array(z.string()),
  acceptsPass: z.boolean(),
  opening: z.string().nullable(),
  openNow: z.boolean().nullable(),
});

export const placesApi: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.platform;
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.get(
    '/places',
    {
      schema: {
        tags: ['lieux'],
        summary: 'Lieux de médiation les plus proches, avec filtres, comptés et par pages (public)',
        description: 'Les lieux à moins de radiusKm de l’origine (commune, code postal, code INSEE, coordonnées, ou lat et lng de la position du navigateur), du plus proche au plus lointain. « total » compte tous les lieux trouvés ; « page » et « limit » disent quelle page est rendue (une page au-delà de la dernière rend la dernière) et « pageCount » combien il y en a.',
        security: [],
        querystring: searchParams,
        response: {
          200: z.object({
            origin: z.object({ label: z.string(), lat: z.number(), lon: z.number(), communeCode: z.string().nullable() }),
            radiusKm: z.number(),
            total: z.number().int().describe('lieux trouvés, toutes pages comprises'),
            page: z.number().int().describe('page rendue, à partir de 1'),
            limit: z.number().int().describe('lieux par page'),
            pageCount: z.number().int().describe('nombre de pages (0 si aucun lieu)'),
            results: z.array(hit),
          }),
          ...publicApiErrors(400, 404, 422),
        },
      },
    },
    async (request) => {
      if (!hasOrigin(request.query)) throw invalid('Indiquez une commune, un code postal, des coordonnées (near) ou une position (lat et lng).', 'recherche_vide');
      const { origin, radiusKm, results, page } = await searchPlaces(db, toSearchQuery(request.query));
      return { origin, radiusKm, total: page.total, page: page.page, limit: page.limit, pageCount: page.pageCount, results };
    },
  );

  app.get('/places/export.csv', { schema: { tags: ['lieux'], summary: 'Export au standard national des lieux de médiation numérique (CSV)', security: [] } }, async (_request, reply) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="lieux-mediation-numerique.csv"').send(exportCsv(db)),
  );
  app.get('/places/export.json', { schema: { tags: ['lieux'], summary: 'Export au standard national des lieux de médiation numérique (JSON)', security: [] } }, async (_request, reply) =>
    reply.type('application/json; charset=utf-8').header('content-disposition', 'attachment; filename="lieux-mediation-numerique.json"').send(exportJson(db)),
  );

  app.get(
    '/places/:id',
    { schema: { tags: ['lieux'], summary: 'Fiche d’un lieu : champs du standard, horaires, label, programmes acceptés (public)', security: [], params: z.object({ id }) } },
    async (request) => {
      const details = await getPlace(db, request.params.id);
      const now = new Date();
      return {
        standard: standardRecord(details.place),
        active: details.place.active,
        departement: { code: details.departementCode, name: details.departementName },
        organisation: details.organisationName,
        opening: openingState(details.place.opening_hours, now),
        week: weekSchedule(details.place.opening_hours, now),
        label: details.label,
        acceptedProgrammes: details.programmes,
        acceptsPass: Boolean(details.label?.valid) && details.programmes.length > 0,
        accessibility: { stepFreeAccess: details.place.step_free_access, notes: details.place.accessibility_notes },
      };
    },
  );

  app.post(
    '/places/import',
    {
      schema: {
        tags: ['lieux'],
        summary: 'Importer un fichier au standard (CSV en text/csv, ou tableau JSON) : hub ou administration ; 422 avec les erreurs ligne par ligne quand rien n’est écrit',
        querystring: z.object({ validOnly: z.enum(['true', 'false']).optional(), mapV0Services: z.enum(['true', 'false']).optional() }),
        body: z.any(),
      },
    },
    async (request, reply) => {
      const principal = requireApiPrincipal(request);
      await requireReviewer(db, principal);
      const content = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      const report = await importPlaces(db, principal, content, {
        fileName: typeof request.body === 'string' ? 'import.csv' : 'import.json',
        validOnly: request.query.validOnly === 'true',
        mapV0Services: request.query.mapV0Services === 'true',
      });
      // A file refused row by row (invalid rows, rows outside the hub's territory) is a refusal, as on the page.
      return reply.status(report.written || !report.errors.length ? 200 : 422).send(report);
    },
  );

  const standardChanges = z
    .object(Object.fromEntries(STANDARD_FIELDS.filter((f) => f !== 'id' && f !== 'date_maj').map((f) => [f, z.union([z.string(), z.number(), z.null()]).optional()])))
    .strict()
    .describe('champs du standard, listes jointes par « | »');
  const extras = {
    stepFreeAccess: z.boolean().nullable().optional(),
    accessibilityNotes: z.string().nullable().optional(),
    programmeIds: z.array(z.number().int().positive()).optional().describe('programmes dont le lieu accepte les chèques'),
  };

  app.post(
    '/places',
    {
      schema: {
        tags: ['lieux'],
        summary: 'Enregistrer un lieu (médiateur pour sa structure, hub sur son territoire)',
        body: z.object({ place: standardChanges, ...extras }),
        response: { 201: z.object({ id: z.number() }), 403: error, 422: error },
      },
    },
    async (request, reply) => {
      const principal = requireApiPrincipal(request);
      const { place, ...rest } = request.body;
      const id = await createPlace(db, principal, organisationsWithRole(principal, 'mediator')[0] ?? null, place, rest);
      return reply.status(201).send({ id });
    },
  );

  app.patch(
    '/places/:id',
    {
      schema: {
        tags: ['lieux'],
        summary: 'Modifier la fiche d’un lieu : les champs donnés, les autres gardés (médiateur du lieu, hub du territoire)',
        params: z.object({ id }),
        body: z.object({ changes: standardChanges.default({}), ...extras }),
        response: { 204: z.null(), 403: error, 404: error, 422: error },
      },
    },
    async (request, reply) => {
      const { changes, ...rest } = request.body;
      await updatePlace(db, requireApiPrincipal(request), request.params.id, changes, rest);
      return reply.status(204).send(null);
    },
  );

  app.get('/label-criteria', { schema: { tags: ['labels'], summary: 'Grille de labellisation en vigueur', security: [] } }, async () =>
    (await listCriteria(db)).map((c) => ({ id: c.id, title: c.title, description: c.description })),
  );

  app.get('/labels', { schema: { tags: ['labels'], summary: 'Demandes et labels du territoire (hub ou administration)' } }, async (request) =>
    labelsToReview(db, requireApiPrincipal(request)),
  );

  app.post(
    '/places/:id/label-applications',
    {
      schema: {
        tags: ['labels'],
        summary: 'Demander le label pour un lieu (médiateur du lieu)',
        params: z.object({ id }),
        body: z.object({ criteriaMet: z.array(z.number().int()), note: z.string().default('') }),
        response: { 201: z.object({ labelId: z.number() }), 403: error, 409: error, 422: error },
      },
    },
    async (request, reply) => reply.status(201).send({ labelId: await applyForLabel(db, requireApiPrincipal(request), request.params.id, request.body) }),
  );

  app.post(
    '/labels/:id/decision',
    {
      schema: {
        tags: ['labels'],
        summary: 'Décider d’un label : accorder, refuser, suspendre, rétablir (hub du territoire ou administration)',
        params: z.object({ id }),
        body: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('approve'), validFrom: z.string(), validUntil: z.string(), reason: z.string().optional() }),
          z.object({ kind: z.literal('refuse'), reason: z.string() }),
          z.object({ kind: z.literal('suspend'), reason: z.string() }),
          z.object({ kind: z.literal('reinstate'), reason: z.string() }),
        ]),
        response: { 204: z.null(), 403: error, 404: error, 409: error, 422: error },
      },
    },
    async (request, reply) => {
      await decideLabel(db, requireApiPrincipal(request), request.params.id, request.body);
      return reply.status(204).send(null);
    },
  );
};
