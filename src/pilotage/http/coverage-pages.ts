import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requirePagePrincipal } from '../../http/auth.js';
import { isoOrNull, openObject, publicApiErrors } from '../../http/openapi.js';
import { renderPage } from '../../http/page.js';
import { frenchDateTime } from '../../shared/dates.js';
import { invalid } from '../../shared/errors.js';
import { pageRequest, paginationView } from '../../shared/pagination.js';
import { legend, PALETTE, PEOPLE_PER_PLACE, REACH_KM } from '../domain/coverage.js';
import { communesCoverage, coverageByDepartement, coverageComputedAt, DEPARTEMENT_SORTS, departementCoverage, worstServedCommunes, type DepartementSort } from '../use-cases/coverage.js';
import { departementMap, franceMap, MEASURE_LABELS, type MapMeasure } from '../use-cases/coverage-maps.js';
import { COMMUNE_COLUMNS, csvOf, DEPARTEMENT_COLUMNS, kmText, percentText, tableRows } from '../use-cases/coverage-table.js';
import { pilotageSections } from './pages.js';

const one = (query: unknown, key: string): string | undefined => {
  const value = (query as Record<string, unknown> | undefined)?.[key];
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return typeof last === 'string' ? last : undefined;
};
const measureOf = (query: unknown): MapMeasure => (one(query, 'carte') === 'ifn' ? 'ifn' : 'ecart');
const sortOf = (query: unknown): DepartementSort => {
  const sort = one(query, 'tri');
  return sort && sort in DEPARTEMENT_SORTS ? (sort as DepartementSort) : 'gap';
};

const sendCsv = (reply: FastifyReply, name: string, body: string) =>
  reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(body);

/** What every coverage page says of its data: when, from what, with which rules. */
async function common(db: Parameters<typeof coverageComputedAt>[0]) {
  const computedAt = await coverageComputedAt(db);
  return {
    computedText: computedAt ? `calculée le ${frenchDateTime(computedAt)}` : null,
    legend: legend(),
    gapLegend: legend(100),
    reachKm: REACH_KM,
    peoplePerPlace: PEOPLE_PER_PLACE,
    palette: PALETTE,
  };
}

/**
 * /pilotage/couverture (France by département), /pilotage/couverture/:departement (its communes), their CSV, and a
 * hub's worst-served communes. Public and without JavaScript: the maps are SVG written here, each with its table.
 */
export const coveragePages: FastifyPluginAsync = async (app) => {
  const { db } = app.platform;

  app.get('/pilotage/couverture', async (request, reply) => {
    const measure = measureOf(request.query);
    const sort = sortOf(request.query);
    const departements = await coverageByDepartement(db, sort);
    return renderPage(request, reply, 'pilotage-coverage.njk', {
      title: 'Couverture territoriale', sections: pilotageSections(request.principal, '/pilotage/couverture'), ...(await common(db)),
      measure, measureLabel: MEASURE_LABELS[measure], otherMeasure: measure === 'ifn' ? 'ecart' : 'ifn', otherMeasureLabel: MEASURE_LABELS[measure === 'ifn' ? 'ecart' : 'ifn'],
      sort, sorts: Object.entries(DEPARTEMENT_SORTS).map(([value, label]) => ({ value, label })),
      map: departements.length ? franceMap(departements, measure) : null,
      headers: DEPARTEMENT_COLUMNS.slice(2), rows: tableRows(DEPARTEMENT_COLUMNS, departements),
    });
  });

  app.get('/pilotage/couverture.csv', async (_request, reply) => sendCsv(reply, 'couverture-departements.csv', csvOf(DEPARTEMENT_COLUMNS, await coverageByDepartement(db, 'gap'))));

  app.get<{ Params: { departement: string } }>('/pilotage/couverture/:departement', async (request, reply) => {
    const measure = measureOf(request.query);
    const departement = await departementCoverage(db, request.params.departement.toUpperCase());
    const all = await communesCoverage(db, departement.code, null);
    const { communes, page } = await communesCoverage(db, departement.code, pageRequest(request.query as Record<string, unknown>, { defaultLimit: 50 }));
    const base = `/pilotage/couverture/${departement.code}`;
    const href = (n: number) => `${base}?${new URLSearchParams({ ...(measure === 'ifn' ? { carte: 'ifn' } : {}), page: String(n) })}#communes`;
    return renderPage(request, reply, 'pilotage-coverage-departement.njk', {
      title: `Couverture territoriale : ${departement.name} (${departement.code})`, sections: pilotageSections(request.principal, '/pilotage/couverture'), ...(await common(db)),
      departement, farText: percentText(departement.farShare), measure, measureLabel: MEASURE_LABELS[measure], otherMeasure: measure === 'ifn' ? 'ecart' : 'ifn', otherMeasureLabel: MEASURE_LABELS[measure === 'ifn' ? 'ecart' : 'ifn'],
      map: all.communes.length ? departementMap(departement, all.communes, measure) : null,
      headers: COMMUNE_COLUMNS.slice(2), rows: tableRows(COMMUNE_COLUMNS, communes), page, pagination: page ? paginationView(page, href) : null,
    });
  });

  app.get<{ Params: { departement: string } }>('/pilotage/couverture/:departement.csv', async (request, reply) => {
    const departement = await departementCoverage(db, request.params.departement.toUpperCase());
    const { communes } = await communesCoverage(db, departement.code, null);
    return sendCsv(reply, `couverture-communes-${departement.code}.csv`, csvOf(COMMUNE_COLUMNS, communes));
  });

  app.get<{ Params: { id: string } }>('/pilotage/couverture/hub/:id', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    if (!/^\d{1,12}$/.test(request.params.id)) throw invalid('Numéro de hub invalide.', 'hub_invalide');
    const { hub, communes } = await worstServedCommunes(db, principal, Number(request.params.id), 50);
    return renderPage(request, reply, 'pilotage-coverage-hub.njk', {
      title: `Communes les moins bien desservies : ${hub.name}`, sections: pilotageSections(principal, '/pilotage/couverture'), ...(await common(db)),
      hub, headers: COMMUNE_COLUMNS.slice(2), rows: tableRows(COMMUNE_COLUMNS, communes), kmText,
    });
  });
};

const departementSchema = openObject({
  code: z.string(), name: z.string(), communes: z.number().int(), population: z.number().int(),
  ifn: z.number().nullable().describe('IFN du département : moyenne des IFN de ses communes pondérée par leur population (0 à 10, 10 = le plus fragile)'),
  ifnClass: z.number().int().describe('classe de couleur de l’IFN, 1 à 7 (0 : sans donnée), la même sur toutes les cartes'),
  need: z.number().describe('personnes à atteindre (estimation : population × taux d’illectronisme nationaux par âge)'),
  unmetNeed: z.number().describe('besoin pondéré par l’IFN non couvert par l’offre (estimation, personnes)'),
  places: z.number().int(), labelledPlaces: z.number().int(), placesAcceptingPass: z.number().int(), mediators: z.number().int(),
  placesPer10000: z.number().nullable(), labelledPer10000: z.number().nullable(), mediatorsPer10000: z.number().nullable(),
  farShare: z.number().nullable().describe(`part de la population (0 à 1) à plus de ${REACH_KM} km d’un lieu labellisé`),
  gapScore: z.number().describe('score d’écart, 0 à 100'), gapClass: z.number().int(),
});
const communeSchema = openObject({
  code: z.string().describe('code INSEE'), name: z.string(), departementCode: z.string(), population: z.number().int(), lat: z.number().nullable(), lng: z.number().nullable(),
  ifn: z.number().nullable(), ifnClass: z.number().int(), need: z.number(), unmetNeed: z.number(),
  places: z.number().int(), labelledPlaces: z.number().int(), placesAcceptingPass: z.number().int(), mediators: z.number().int(),
  placesPer10000: z.number().nullable(), mediatorsPer10000: z.number().nullable(),
  nearestLabelledKm: z.number().nullable().describe('distance à vol d’oiseau (km) du centre de la commune au lieu labellisé le plus proche'),
  nearestPassKm: z.number().nullable().describe('distance (km) au lieu le plus proche qui accepte le pass numérique'),
  gapScore: z.number(), gapClass: z.number().int(),
});

export const coverageApi: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.platform;
  app.get('/pilotage/coverage', {
    schema: {
      tags: ['pilotage'],
      summary: 'Couverture territoriale : départements, ou communes d’un département',
      description: 'Sans `departement` : chaque département (IFN, personnes à atteindre, lieux et médiateurs pour 10 000 habitants, besoin non couvert, score d’écart), le plus fort écart d’abord. '
        + 'Avec `departement` : ses communes, les moins bien desservies d’abord (besoin non couvert), avec les distances au lieu labellisé et au lieu acceptant le pass les plus proches, par pages. '
        + 'Méthode et limites : docs/INDICATEURS.md, « Couverture territoriale ». Sans jeton : aucune donnée personnelle.',
      security: [],
      querystring: z.object({
        departement: z.string().regex(/^(?:\d{2}|2[ABab]|97\d)$/, 'numéro de département : deux chiffres, 2A, 2B ou trois pour l’outre-mer').optional().describe('numéro du département (44, 2A, 974)'),
        page: z.coerce.number().int().min(1).max(100_000).optional().describe('page, à partir de 1 (communes)'),
        limit: z.coerce.number().int().min(1).max(100).optional().describe('communes par page (50 par défaut, 100 au plus)'),
      }),
      response: {
        200: openObject({
          computedAt: z.string().nullable().describe('date et heure ISO 8601 du calcul, null avant le premier'),
          departements: z.array(departementSchema).optional(),
          departement: departementSchema.optional(),
          communes: z.array(communeSchema).optional(),
          total: z.number().int().optional().describe('communes du département, toutes pages'),
          page: z.number().int().optional(), limit: z.number().int().optional(),
        }),
        ...publicApiErrors(400, 404),
      },
    },
  }, async (request) => {
    const computedAt = isoOrNull(await coverageComputedAt(db));
    const code = request.query.departement?.toUpperCase();
    if (!code) return { computedAt, departements: await coverageByDepartement(db, 'gap') };
    const departement = await departementCoverage(db, code);
    const { communes, page } = await communesCoverage(db, code, { page: request.query.page ?? 1, limit: request.query.limit ?? 50 });
    return { computedAt, departement, communes, total: page!.total, page: page!.page, limit: page!.limit };
  });
};
