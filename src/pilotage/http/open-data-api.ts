import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fileResponse, openObject, publicApiErrors } from '../../http/openapi.js';
import { parisDay } from '../../shared/dates.js';
import { activitySchema, dataPackage, openDataPeriodSchema, parseOpenDataPeriod, placesSchema, renderChangelog, renderReadme } from '../domain/open-data.js';
import { activityCsv, journalOpenData, placesCsv } from '../use-cases/open-data.js';

/** Open data may be kept by browsers and proxies: nothing personal, the same for everyone (app.ts lets it through). */
export const OPEN_DATA_CACHE = 'public, max-age=3600';
export const OPEN_DATA_PREFIX = '/api/v1/open-data';
/**
 * The activity file is computed on each call (up to 120 months, each read per région, département and commune):
 * per address and minute, at most this many calls, each journaled. Proxies and browsers keep it an hour (OPEN_DATA_CACHE).
 */
export const OPEN_DATA_ACTIVITY_RATE_LIMIT = { max: 10, timeWindow: 60_000 } as const;

const TAG = 'données ouvertes';
const period = openDataPeriodSchema.describe('période de l’activité en mois entiers');
const tableSchema = openObject({ name: z.string(), title: z.string(), fields: z.array(openObject({ name: z.string(), title: z.string(), type: z.string() })) }).describe('Table Schema (frictionless) du fichier CSV');

const csv = (reply: FastifyReply, file: string) => reply.type('text/csv; charset=utf-8').header('cache-control', OPEN_DATA_CACHE).header('content-disposition', `attachment; filename="${file}"`);
const json = (reply: FastifyReply) => reply.type('application/json; charset=utf-8').header('cache-control', OPEN_DATA_CACHE);
const markdown = (reply: FastifyReply) => reply.type('text/markdown; charset=utf-8').header('cache-control', OPEN_DATA_CACHE);

/** Errors after the first bytes cannot change the status any more: they end the stream, and are logged. */
const logJournalError = (request: FastifyRequest) => (error: unknown) => request.log.error(error, 'journal des données ouvertes');

export const openDataApi: FastifyPluginAsyncZod = async (app) => {
  const { db, config } = app.platform;

  app.get(
    '/open-data',
    {
      schema: {
        tags: [TAG],
        summary: 'Catalogue des données ouvertes (Data Package)',
        description: 'La liste des jeux de données ouverts (lieux au standard national, activité par commune et par mois), avec l’adresse de chaque fichier CSV et de son schéma (Table Schema), la licence (Licence Ouverte 2.0) et la période par défaut. Sans jeton.',
        security: [],
        querystring: period,
        response: { 200: openObject({ name: z.string(), version: z.string(), resources: z.array(openObject({ name: z.string(), path: z.string(), schema: z.string() })) }), ...publicApiErrors(400) },
      },
    },
    async (request, reply) => {
      const p = parseOpenDataPeriod(request.query, parisDay());
      json(reply);
      const base = `${config.publicUrl}${OPEN_DATA_PREFIX}/`;
      const query = `?from=${p.from}&to=${p.to}`;
      const pkg = dataPackage({ base, from: p.from, to: p.to });
      return {
        ...pkg,
        resources: pkg.resources.map((resource) => (resource.name === 'activite-communes' ? { ...resource, path: `${resource.path}${query}` } : resource)),
        readme: `${base}README.md`,
        changelog: `${base}CHANGELOG.md`,
        page: `${config.publicUrl}/donnees-ouvertes`,
      };
    },
  );

  app.get(
    '/open-data/activite-communes.csv',
    {
      config: { rateLimit: OPEN_DATA_ACTIVITY_RATE_LIMIT },
      schema: {
        tags: [TAG],
        summary: 'Activité par commune et par mois (CSV, données ouvertes)',
        description:
          'Une ligne par commune et par mois où il y a eu de l’activité : chèques remis et encaissés, personnes accompagnées (pass), participants sans chèque (estimation), accompagnements, heures de formation. Règles de confidentialité appliquées : case de moins de 5 personnes vide et nommée dans « valeurs_masquees », masquage complémentaire, comptes arrondis sous 100. Par défaut les 12 derniers mois complets. Fichier envoyé au fil de l’eau. Sans jeton ; au plus 10 appels par minute et par adresse (429 au-delà).',
        security: [],
        querystring: period,
        response: { 200: fileResponse('text/csv', 'Fichier CSV valide au regard de activite-communes.schema.json'), ...publicApiErrors(400, 429) },
      },
    },
    async (request, reply) => {
      const p = parseOpenDataPeriod(request.query, parisDay());
      const principal = request.principal;
      return csv(reply, `activite-communes-${p.from}-${p.to}.csv`).send(
        activityCsv(db, p, { onEnd: (rows) => journalOpenData(db, principal, 'activite-communes', p, rows).catch(logJournalError(request)) }),
      );
    },
  );

  app.get(
    '/open-data/activite-communes.schema.json',
    {
      schema: {
        tags: [TAG],
        summary: 'Schéma de l’activité par commune et par mois (Table Schema)',
        description: 'Le Table Schema (frictionless) du fichier activite-communes.csv : colonnes, titres et descriptions en français, types, contraintes, valeurs manquantes. Construit à partir du dictionnaire des indicateurs. Sans jeton.',
        security: [],
        response: { 200: tableSchema },
      },
    },
    async (_request, reply) => {
      json(reply);
      return activitySchema();
    },
  );

  app.get(
    '/open-data/lieux.csv',
    {
      schema: {
        tags: [TAG],
        summary: 'Lieux de médiation numérique au standard national (CSV, données ouvertes)',
        description: 'Les lieux actifs au standard national des lieux de médiation numérique v1.0.2, le même fichier que l’export des lieux, envoyé au fil de l’eau. Sans jeton.',
        security: [],
        response: { 200: fileResponse('text/csv', 'Fichier CSV valide au regard de lieux.schema.json') },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      const today = parisDay().slice(0, 7);
      return csv(reply, 'lieux.csv').send(placesCsv(db, (rows) => journalOpenData(db, principal, 'lieux', { from: today, to: today }, rows).catch(logJournalError(request))));
    },
  );

  app.get(
    '/open-data/lieux.schema.json',
    {
      schema: {
        tags: [TAG],
        summary: 'Schéma des lieux de médiation numérique (Table Schema du standard national)',
        description: 'Le Table Schema du fichier lieux.csv, construit à partir du standard national des lieux de médiation numérique v1.0.2 (champs, énumérations, motifs). Sans jeton.',
        security: [],
        response: { 200: tableSchema },
      },
    },
    async (_request, reply) => {
      json(reply);
      return placesSchema();
    },
  );

  app.get(
    '/open-data/CHANGELOG.md',
    {
      schema: {
        tags: [TAG],
        summary: 'Journal des modifications des données ouvertes (Markdown)',
        description: 'Les versions des jeux de données ouverts : colonnes, définitions, règles de confidentialité. Sans jeton.',
        security: [],
        response: { 200: fileResponse('text/markdown', 'Journal des modifications en Markdown') },
      },
    },
    async (_request, reply) => markdown(reply).send(renderChangelog()),
  );

  app.get(
    '/open-data/README.md',
    {
      schema: {
        tags: [TAG],
        summary: 'Règles de confidentialité et licence des données ouvertes (Markdown)',
        description: 'Ce que contiennent les fichiers, les règles de confidentialité appliquées (seuil de 5 personnes, masquage complémentaire, arrondi sous 100, estimation) et la licence. Sans jeton.',
        security: [],
        response: { 200: fileResponse('text/markdown', 'README en Markdown') },
      },
    },
    async (_request, reply) => markdown(reply).send(renderReadme()),
  );
};
