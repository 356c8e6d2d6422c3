import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Principal } from '../../accounts/domain/principal.js';
import type { DB } from '../../db/schema.js';
import { requirePagePrincipal } from '../../http/auth.js';
import '../../http/dashboard-summary.js';
import { listView, readListQuery, type FilterDefinition } from '../../http/list-query.js';
import { renderPage } from '../../http/page.js';
import { requireReviewer } from '../use-cases/access.js';
import { LABEL_STATUS_TEXT, listLabelsPage, type LabelFilters } from '../use-cases/labels.js';
import { TERRITORY_LABEL_STATES, territoryDepartements, territoryPlaces, type TerritoryLabelState } from '../use-cases/territory.js';

/** The départements the reviewer's lists offer: the hub's, or every one for the administration. */
async function departementFilter(db: Kysely<DB>, principal: Principal): Promise<FilterDefinition> {
  return {
    name: 'departement', label: 'Département', kind: 'select', any: 'Tous',
    options: (await territoryDepartements(db, principal)).map((d) => ({ value: d.code, label: `${d.code} — ${d.name}` })),
  };
}

/** /labels: state of the label, département, place or commune. */
export async function labelsList(db: Kysely<DB>, principal: Principal, query: unknown) {
  await requireReviewer(db, principal);
  const definitions: FilterDefinition[] = [
    { name: 'statut', label: 'État', kind: 'select', any: 'Tous', options: (['pending', 'approved', 'suspended'] as const).map((value) => ({ value, label: LABEL_STATUS_TEXT[value] })) },
    await departementFilter(db, principal),
    { name: 'texte', label: 'Lieu ou commune', kind: 'text', maxLength: 100 },
  ];
  const list = readListQuery(query, definitions);
  const { requests, page } = await listLabelsPage(db, principal, {
    status: (list.filters.statut || undefined) as LabelFilters['status'],
    departement: list.filters.departement || undefined,
    text: list.filters.texte || undefined,
  }, list.request);
  return { requests, page, list: listView('/labels', list, definitions, page) };
}

/** /lieux/territoire: every place of the hub's territory, by label state, département, name, commune or postal code. */
export const territoryPages: FastifyPluginAsync = async (app) => {
  const { db } = app.platform;
  app.get('/lieux/territoire', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const definitions: FilterDefinition[] = [
      { name: 'label', label: 'Label', kind: 'select', any: 'Tous', options: Object.entries(TERRITORY_LABEL_STATES).map(([value, label]) => ({ value, label })) },
      await departementFilter(db, principal),
      { name: 'texte', label: 'Nom, commune ou code postal', kind: 'text', maxLength: 100 },
    ];
    const list = readListQuery(request.query, definitions);
    const { places, page } = await territoryPlaces(db, principal, {
      label: (list.filters.label || undefined) as TerritoryLabelState | undefined,
      departement: list.filters.departement || undefined,
      text: list.filters.texte || undefined,
    }, list.request);
    // The hub's dashboard in a few numbers (the pilotage's use case, handed by app.ts).
    const hub = principal.memberships.find((m) => m.role === 'hub');
    const dashboard = hub ? ((await request.server.dashboardSummary?.(principal, { level: 'hub', code: String(hub.organisationId) })) ?? null) : null;
    return renderPage(request, reply, 'territory-places.njk', {
      title: 'Lieux du territoire', places, page, list: listView('/lieux/territoire', list, definitions, page), labelStates: TERRITORY_LABEL_STATES, dashboard,
    });
  });
};
