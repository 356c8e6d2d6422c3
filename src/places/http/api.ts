import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireApiPrincipal } from '../../http/auth.js';
import { idParam } from '../../http/ids.js';
import { requireReviewer } from '../use-cases/access.js';
import { openingHoursError, openingState, weekSchedule } from '../domain/opening-hours.js';
import { gridToOsm, MAX_RANGES_PER_DAY, readTypedGrid } from '../domain/hours-grid.js';
import { exportCsv, exportJson } from '../use-cases/export.js';
import { importPlaces } from '../use-cases/import.js';
import { applyForLabel, decideLabel, labelsToReview, listCriteria } from '../use-cases/labels.js';
import { hasOrigin, searchParams, toSearchQuery } from './query-params.js';
import { invalid } from '../../shared/errors.js';
import { apiError, apiErrors, fileResponse, iso, isoDateTime, openObject, publicApiErrors } from '../../http/openapi.js';
import { standardRecord } from '../use-cases/record.js';
import { searchPlaces } from '../use-cases/search.js';
import { createPlace, getPlace, updatePlace } from '../use-cases/store.js';
import { organisationsWithRole } from '../../accounts/use-cases/principal.js';
import { STANDARD_FIELDS } from '../domain/standard.js';

const error = apiError;
const labelSummary = z.object({
  id: z.number(),
  status: z.enum(['pending', 'approved', 'refused', 'suspended']),
  validFrom: z.string().nullable().describe('AAAA-MM-JJ'),
  validUntil: z.string().nullable().describe('AAAA-MM-JJ'),
  valid: z.boolean().describe('accordé et dans ses dates aujourd’hui : le seul état où le lieu encaisse des chèques'),
  decisionReason: z.string().nullable(),
});
const importReport = openObject({
  format: z.enum(['csv', 'json']),
  rows: z.number(),
  validRows: z.number(),
  errors: z.array(openObject({ line: z.number(), field: z.string(), reason: z.string() })).describe('lignes refusées : numéro de ligne, champ, raison en français'),
  written: z.boolean(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  duplicateCandidates: z.number(),
});
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

  app.get(
    '/places/export.csv',
    {
      schema: {
        tags: ['lieux'],
        summary: 'Export au standard national des lieux de médiation numérique (CSV)',
        description: 'Tous les lieux actifs au standard national v1.0.2 (La MedNum, ANCT), en CSV, réimportable tel quel ; Licence Ouverte. Sans jeton.',
        security: [],
        response: { 200: fileResponse('text/csv', 'Fichier CSV au standard des lieux de médiation numérique') },
      },
    },
    async (_request, reply) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="lieux-mediation-numerique.csv"').send(exportCsv(db)),
  );
  app.get(
    '/places/export.json',
    {
      schema: {
        tags: ['lieux'],
        summary: 'Export au standard national des lieux de médiation numérique (JSON)',
        description: 'Tous les lieux actifs au standard national v1.0.2, en tableau JSON, réimportable tel quel ; Licence Ouverte. Sans jeton.',
        security: [],
        response: { 200: fileResponse('application/json', 'Tableau JSON des lieux au standard') },
      },
    },
    async (_request, reply) =>
    reply.type('application/json; charset=utf-8').header('content-disposition', 'attachment; filename="lieux-mediation-numerique.json"').send(exportJson(db)),
  );

  app.get(
    '/places/:id',
    {
      schema: {
        tags: ['lieux'],
        summary: 'Fiche d’un lieu : champs du standard, horaires, label, programmes acceptés (public)',
        description: 'La fiche publique d’un lieu : champs du standard national, département, structure, ouverture maintenant et horaires de la semaine en français, label en cours, programmes du pass acceptés, accessibilité. Sans jeton.',
        security: [],
        params: z.object({ id }),
        response: {
          200: openObject({
            standard: openObject({ id: z.string(), nom: z.string() }).describe('tous les champs du standard national (listes jointes par « | »)'),
            active: z.boolean(),
            departement: z.object({ code: z.string(), name: z.string() }),
            organisation: z.string().nullable(),
            opening: z.object({ open: z.boolean(), text: z.string() }).nullable(),
            week: z.array(openObject({ day: z.string(), today: z.boolean(), text: z.string() })).nullable(),
            label: labelSummary.nullable(),
            acceptedProgrammes: z.array(openObject({ id: z.number(), name: z.string() })),
            acceptsPass: z.boolean(),
            accessibility: z.object({ stepFreeAccess: z.boolean().nullable(), notes: z.string().nullable() }),
          }),
          ...publicApiErrors(400, 404),
        },
      },
    },
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
        description: 'Chaque ligne est vérifiée contre le standard ; rien n’est écrit si une ligne est refusée, sauf validOnly=true. Les lignes retrouvent les lieux existants par identifiant, puis SIRET et adresse ; les lignes inchangées ne sont pas réécrites ; un hub n’importe que des lieux de son territoire. Journalisé.',
        response: { 200: importReport, 422: importReport.describe('rien n’est écrit : les lignes refusées, champ par champ'), ...apiErrors() },
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
        description: 'Crée un lieu à partir des champs du standard (nom, adresse, code postal, commune, services…), de son accessibilité et des programmes dont il accepte les chèques. Un médiateur l’enregistre pour sa structure. Journalisé.',
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
        description: 'Change seulement les champs donnés ; un champ refusé renvoie 422 avec la liste des champs et leurs raisons, sans rien écrire. Médiateur du lieu ou hub de son territoire ; journalisé.',
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

  app.get(
    '/label-criteria',
    {
      schema: {
        tags: ['labels'],
        summary: 'Grille de labellisation en vigueur',
        description: 'Les critères actifs que l’administration nationale a fixés : un lieu les déclare tous remplis pour demander le label. Sans jeton.',
        security: [],
        response: { 200: z.array(z.object({ id: z.number(), title: z.string(), description: z.string() })) },
      },
    },
    async () =>
    (await listCriteria(db)).map((c) => ({ id: c.id, title: c.title, description: c.description })),
  );

  app.get(
    '/labels',
    {
      schema: {
        tags: ['labels'],
        summary: 'Demandes et labels du territoire (hub ou administration)',
        description: 'Les demandes de label en attente d’abord, puis les labels accordés et suspendus, des lieux du territoire du hub (tous pour l’administration) ; 500 au plus.',
        response: {
          200: z.array(
            openObject({
              labelId: z.number(),
              placeId: z.number(),
              placeName: z.string(),
              commune: z.string(),
              status: z.enum(['pending', 'approved', 'refused', 'suspended']),
              appliedAt: isoDateTime,
              applicantNote: z.string(),
              validFrom: z.string().nullable(),
              validUntil: z.string().nullable(),
            }),
          ),
          ...apiErrors(),
        },
      },
    },
    async (request) => (await labelsToReview(db, requireApiPrincipal(request))).map((label) => ({ ...label, appliedAt: iso(label.appliedAt) })),
  );

  app.post(
    '/places/:id/label-applications',
    {
      schema: {
        tags: ['labels'],
        summary: 'Demander le label pour un lieu (médiateur du lieu)',
        description: 'Le médiateur du lieu déclare chaque critère actif de la grille rempli (tous sont requis) avec une précision pour le hub ; la demande part au hub du territoire. Journalisé.',
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
        description: 'Accorder (dates de validité), refuser, suspendre ou rétablir un label, avec un motif ; seul un label valide aujourd’hui permet d’encaisser des chèques. Hub du territoire du lieu ou administration ; journalisé.',
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

  const typedRange = z.object({ from: z.string().max(20).describe('heure d’ouverture telle que tapée : « 9:00 », « 9 h 30 »'), to: z.string().max(20).describe('heure de fermeture ; « 24:00 » ou « minuit » pour minuit') });
  app.post(
    '/opening-hours/preview',
    {
      schema: {
        tags: ['lieux'],
        summary: 'Traduire une grille d’horaires de la semaine en valeur OpenStreetMap (aperçu, public)',
        description: 'La grille du formulaire d’un lieu : du lundi (premier jour) au dimanche, deux plages au plus par jour, « fermé », et « fermé les jours fériés ». Rend la valeur opening_hours que le lieu enregistrera (vide si aucun jour n’est ouvert), les erreurs de saisie jour par jour, et la semaine en cours lue en français. Rien n’est enregistré.',
        security: [],
        body: z.object({
          days: z.array(z.object({ closed: z.boolean(), ranges: z.array(typedRange).max(MAX_RANGES_PER_DAY) })).length(7),
          publicHolidaysClosed: z.boolean(),
        }),
        response: {
          200: z.object({
            value: z.string().describe('valeur opening_hours (OpenStreetMap)'),
            errors: z.array(z.object({ day: z.number().int().nullable().describe('0 = lundi ; null pour toute la grille'), reason: z.string() })),
            week: z.array(z.object({ day: z.string(), text: z.string() })).nullable().describe('la semaine en cours, jour par jour, en français'),
          }),
          ...publicApiErrors(400),
        },
      },
    },
    async (request) => {
      const { grid, errors } = readTypedGrid(request.body);
      if (errors.length) return { value: '', errors, week: null };
      const value = gridToOsm(grid);
      const libraryError = value ? openingHoursError(value) : null;
      if (libraryError) return { value, errors: [{ day: null, reason: libraryError }], week: null };
      return { value, errors: [], week: value ? weekSchedule(value, new Date())!.map(({ day, text }) => ({ day, text })) : null };
    },
  );
};
