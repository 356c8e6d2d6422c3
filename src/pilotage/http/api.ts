import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireApiPrincipal } from '../../http/auth.js';
import { apiErrors, fileResponse, openObject, publicApiErrors } from '../../http/openapi.js';
import type { Principal } from '../../accounts/domain/principal.js';
import { BREAKDOWNS, LEVELS, pilotageFilterSchema, type IndicatorReport, type IndicatorValue } from '../domain/filters.js';
import { INDICATOR_IDS } from '../domain/indicators.js';
import { exportIndicators } from '../use-cases/exports.js';
import { readIndicators } from '../use-cases/indicators.js';

type FilterKey = keyof typeof pilotageFilterSchema.shape;

/** The French description of every field of the one filter schema (a new field fails to compile until described). */
export const FILTER_FIELD_DESCRIPTIONS: Record<FilterKey, string> = {
  level: `niveau du territoire : ${LEVELS.join(', ')} (france par défaut)`,
  code: 'code du territoire : code INSEE de la commune (5 caractères), du département (2 ou 3) ou de la région (2), ou numéro du hub ; absent pour la France',
  from: 'premier jour de la période, AAAA-MM-JJ (par défaut : 12 mois avant la fin)',
  to: 'dernier jour de la période, AAAA-MM-JJ, inclus (par défaut : aujourd’hui, heure de Paris)',
  funder: 'numéro de l’organisation financeuse (ses programmes seulement)',
  prescriber: 'numéro de la structure prescriptrice (ses carnets seulement)',
  place: 'numéro du lieu de médiation (son activité seulement)',
  programme: 'numéro du programme du pass numérique',
  breakdown: `ventilation en lignes : ${BREAKDOWNS.join(', ')} ; territory descend d’un niveau (France → régions → départements → communes)`,
};

/**
 * The query string of the indicators, derived from `pilotageFilterSchema` (same fields, French descriptions): the
 * values arrive as text and are parsed by the filter schema itself in readIndicators, so the page, the exports and
 * the API refuse the same queries with the same French message (400 « filtre_invalide »).
 */
export const indicatorsQuery = z.object(
  Object.fromEntries((Object.keys(pilotageFilterSchema.shape) as FilterKey[]).map((key) => [key, z.string().optional().describe(FILTER_FIELD_DESCRIPTIONS[key])])) as Record<FilterKey, z.ZodOptional<z.ZodString>>,
);

const value = openObject({
  value: z.number().nullable().describe('le nombre ; null quand il est masqué (suppressed) ou non calculable'),
  amountCents: z.number().nullable().optional().describe('montant en centimes d’euro (valeur faciale des chèques, sommes financées)'),
  suppressed: z.enum(['small_cell', 'complementary']).nullable().optional().describe('small_cell : moins de 5 personnes ; complementary : masqué pour qu’une case de moins de 5 ne puisse pas être recalculée'),
  rounded: z.boolean().optional().describe('compte public arrondi (sous 100)'),
  estimate: z.boolean().optional().describe('estimation (participants sans chèque)'),
});
const reportSchema = openObject({
  filter: openObject({ level: z.enum(LEVELS), code: z.string().nullable(), from: z.string(), to: z.string() }).describe('le filtre appliqué, complété (période explicite) et, pour une organisation, restreint à son périmètre'),
  dictionaryVersion: z.string().describe('version du dictionnaire des indicateurs (docs/INDICATEURS.md)'),
  territoryLabel: z.string(),
  updatedAt: z.string().describe('date de la dernière mise à jour des agrégats'),
  audience: z.enum(['public', 'shared']),
  values: z.record(z.string(), value).describe(`une valeur par indicateur du dictionnaire : ${INDICATOR_IDS.join(', ')}`),
  breakdown: openObject({
    by: z.enum(BREAKDOWNS),
    indicators: z.array(z.string()),
    rows: z.array(openObject({ key: z.string(), label: z.string(), values: z.record(z.string(), value), shares: z.record(z.string(), z.number().nullable()).optional() })),
  }).nullable(),
}).meta({ id: 'RapportIndicateurs' });

/** What the API shows of a value: never the count of beneficiaries behind it (the privacy rules read it, nobody else). */
const shownValue = (v: IndicatorValue | undefined) => ({
  value: v?.value ?? null,
  ...(v && 'amountCents' in v ? { amountCents: v.amountCents ?? null } : {}),
  suppressed: v?.suppressed ?? null,
  ...(v?.rounded ? { rounded: true } : {}),
  ...(v?.estimate ? { estimate: true } : {}),
});
const shownValues = (values: Partial<Record<string, IndicatorValue>>) => Object.fromEntries(Object.entries(values).map(([id, v]) => [id, shownValue(v)]));

export function reportJson(report: IndicatorReport) {
  return {
    filter: report.filter,
    dictionaryVersion: report.dictionaryVersion,
    territoryLabel: report.territoryLabel,
    updatedAt: String(report.updatedAt),
    audience: report.audience,
    values: shownValues(report.values),
    breakdown: report.breakdown
      ? {
          by: report.breakdown.by,
          indicators: report.breakdown.indicators,
          rows: report.breakdown.rows.map((row) => ({ key: row.key, label: row.label, ...(row.drill ? { drill: row.drill } : {}), values: shownValues(row.values), ...(row.shares ? { shares: row.shares } : {}) })),
        }
      : null,
  };
}

/**
 * Anonymous clients per address and route (the rate_limits table, shared by the instances): each call reads the
 * cube and each CSV writes a journal row, so a flood costs the database and the journal; a page or a script of
 * the open-data level stays far below.
 */
export const PUBLIC_INDICATORS_RATE_LIMIT = { max: 60, timeWindow: 60_000 } as const;

const DESCRIPTION =
  'Les indicateurs du dictionnaire (docs/INDICATEURS.md) pour un territoire (France, région, département, hub, commune) et une période, éventuellement par financeur, programme, structure prescriptrice ou lieu, et ventilés en lignes. Le même filtre sert aux pages /pilotage, aux exports CSV, tableur et PDF : mêmes nombres partout. Règles de confidentialité : une case de moins de 5 personnes est masquée (value null, suppressed).';

export const pilotageApi: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.platform;
  const sendCsv = async (reply: FastifyReply, principal: Principal | null, query: unknown) => {
    const file = await exportIndicators(db, principal, query, 'csv');
    return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).send(file.content);
  };

  app.get('/pilotage/indicators', {
    schema: {
      tags: ['pilotage'],
      summary: 'Indicateurs de pilotage de mon périmètre (JSON)',
      description: `${DESCRIPTION} Le périmètre vient des politiques : l’administration voit tout, un hub ses départements, un financeur ses programmes, un prescripteur ses carnets, un médiateur ses lieux (paramètre place obligatoire).`,
      querystring: indicatorsQuery,
      response: { 200: reportSchema, ...apiErrors(422) },
    },
  }, async (request) => reportJson(await readIndicators(db, requireApiPrincipal(request), request.query)));

  app.get('/pilotage/indicators.csv', {
    schema: {
      tags: ['pilotage'],
      summary: 'Indicateurs de pilotage de mon périmètre (CSV)',
      description: `${DESCRIPTION} Fichier CSV pour tableur français (UTF-8 avec BOM, points-virgules, virgule décimale) : une ligne par indicateur pour l’ensemble, puis une par ligne de ventilation et indicateur. Chaque export est journalisé.`,
      querystring: indicatorsQuery,
      response: { 200: fileResponse('text/csv', 'Indicateurs en CSV'), ...apiErrors(422) },
    },
  }, async (request, reply) => sendCsv(reply, requireApiPrincipal(request), request.query));

  app.get('/pilotage/public/indicators', {
    config: { rateLimit: PUBLIC_INDICATORS_RATE_LIMIT },
    schema: {
      tags: ['pilotage'],
      summary: 'Indicateurs publics (niveau open data, JSON)',
      description: `${DESCRIPTION} Sans jeton : France, régions, départements, hubs, communes seulement (aucun filtre ni ventilation par organisation, lieu ou programme), comptes arrondis sous 100 ; au plus 60 appels par minute et par adresse (429 au-delà).`,
      security: [],
      querystring: indicatorsQuery,
      response: { 200: reportSchema, ...publicApiErrors(400, 403, 422, 429) },
    },
  }, async (request) => reportJson(await readIndicators(db, null, request.query)));

  app.get('/pilotage/public/indicators.csv', {
    config: { rateLimit: PUBLIC_INDICATORS_RATE_LIMIT },
    schema: {
      tags: ['pilotage'],
      summary: 'Indicateurs publics (niveau open data, CSV)',
      description: `${DESCRIPTION} Sans jeton, au niveau open data (arrondis, cases de moins de 5 personnes masquées) ; chaque export est journalisé ; au plus 60 appels par minute et par adresse (429 au-delà).`,
      security: [],
      querystring: indicatorsQuery,
      response: { 200: fileResponse('text/csv', 'Indicateurs publics en CSV'), ...publicApiErrors(400, 403, 422, 429) },
    },
  }, async (request, reply) => sendCsv(reply, null, request.query));
};
