import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { mayAttempt } from '../../accounts/domain/permissions.js';
import { hasRole, isAdmin, type Principal } from '../../accounts/domain/principal.js';
import { organisationsHavingRole } from '../../accounts/use-cases/store.js';
import type { DB } from '../../db/schema.js';
import { requirePagePrincipal } from '../../http/auth.js';
import { communeFieldInput, communeFieldView } from '../../http/commune-field.js';
import { renderPage } from '../../http/page.js';
import { ALL_PERMISSIONS, ALL_ROUTES } from '../../http/route-table.js';
import { httpStatus } from '../../http/errors.js';
import { listProgrammes } from '../../pass/use-cases/programmes.js';
import { placesOfOrganisations } from '../../places/use-cases/store.js';
import { DomainError } from '../../shared/errors.js';
import { guillemets } from '../../shared/french.js';
import { TERRITORY_KINDS } from '../../territories/domain/commune-resolver.js';
import { resolveCommuneField } from '../../territories/use-cases/resolve.js';
import { BREAKDOWN_LABELS, BREAKDOWNS, CHILD_LEVEL, filterQuery, LEVEL_LABELS, LEVELS, pilotageFilterSchema, type IndicatorReport } from '../domain/filters.js';
import { DICTIONARY_VERSION, INDICATORS } from '../domain/indicators.js';
import { exportIndicators, type ExportFormat } from '../use-cases/exports.js';
import { readIndicators } from '../use-cases/indicators.js';
import { breakdownChart, breakdownTable, chartIndicator, funnelChart, reportCards, reportFunnel, reportSubtitle, updatedText } from '../use-cases/presentation.js';

/** The sub-navigation of the pilotage pages: shown when the route exists and the principal may open it. */
const SECTIONS = [
  { href: '/pilotage', label: 'Indicateurs' },
  { href: '/pilotage/couverture', label: 'Couverture territoriale' },
  { href: '/pilotage/dormants', label: 'Carnets et chèques qui dorment' },
];
export function pilotageSections(principal: Principal | null, current: string) {
  return SECTIONS.filter((s) => {
    const action = ALL_ROUTES[`GET ${s.href}`];
    return action !== undefined && ALL_PERMISSIONS[action] !== undefined && mayAttempt(principal, ALL_PERMISSIONS[action]);
  }).map((s) => ({ ...s, current: s.href === current }));
}

const FILTER_KEYS = Object.keys(pilotageFilterSchema.shape) as (keyof typeof pilotageFilterSchema.shape)[];
type RawQuery = Record<string, string>;

/** The query string as text fields (a repeated field keeps its last value). */
function rawQuery(query: unknown): RawQuery {
  const out: RawQuery = {};
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (typeof last === 'string') out[key] = last.trim();
  }
  return out;
}

/**
 * The principal's widest scope when the page is opened without a filter: the administration France, a hub its hub,
 * a funder its programmes, a prescriber its booklets, a mediator its place (when it runs one; otherwise it chooses).
 */
async function defaultQuery(db: Kysely<DB>, principal: Principal): Promise<RawQuery | null> {
  if (principal.system || isAdmin(principal)) return {};
  const first = (role: 'hub' | 'funder' | 'prescriber' | 'mediator') => principal.memberships.find((m) => m.role === role)?.organisationId;
  const hub = first('hub');
  if (hub !== undefined) return { level: 'hub', code: String(hub) };
  const funder = first('funder');
  if (funder !== undefined) return { funder: String(funder) };
  const prescriber = first('prescriber');
  if (prescriber !== undefined) return { prescriber: String(prescriber) };
  const places = await mediatorPlaces(db, principal);
  return places.length === 1 ? { place: String(places[0]!.id) } : null;
}

const mediatorPlaces = (db: Kysely<DB>, principal: Principal) =>
  placesOfOrganisations(db, principal.memberships.filter((m) => m.role === 'mediator').map((m) => m.organisationId));

/** The programmes and funders the form offers: only those the principal may filter on. */
async function formOptions(db: Kysely<DB>, principal: Principal) {
  const admin = principal.system || isAdmin(principal);
  const funders = principal.memberships.filter((m) => m.role === 'funder').map((m) => m.organisationId);
  const hubDepartements = principal.memberships.filter((m) => m.role === 'hub').flatMap((m) => m.departements);
  const programmes = (await listProgrammes(db))
    .filter((p) => admin || p.cofunders.some((c) => funders.includes(c.organisationId)) || p.departements.some((d) => hubDepartements.includes(d.code)))
    .map((p) => ({ value: String(p.id), label: p.name }));
  const funderOptions = admin ? (await organisationsHavingRole(db, 'funder')).map((o) => ({ value: String(o.id), label: o.name })) : [];
  const places = hasRole(principal, 'mediator') ? (await mediatorPlaces(db, principal)).map((p) => ({ value: String(p.id), label: `${p.name} (${p.commune_name})` })) : [];
  return { programmes, funders: funderOptions, places };
}

/** The territory typed in the form (a commune or a département, the shared field) replaces level and code. */
async function withTerritory(db: Kysely<DB>, query: RawQuery) {
  const input = communeFieldInput(query, 'territoire');
  const spec = { name: 'territoire', label: 'Ou cherchez une commune ou un département', hint: 'Nom, code postal ou numéro du département', kinds: TERRITORY_KINDS };
  if (!input.text) return { query, field: communeFieldView(spec) };
  const outcome = await resolveCommuneField(db, input, { kinds: TERRITORY_KINDS });
  if (outcome.status !== 'resolved') return { query, field: communeFieldView(spec, { value: input.text, outcome }) };
  const t = outcome.candidate.territory;
  const next: RawQuery = { ...query, level: t.kind === 'departement' ? 'departement' : 'commune', code: t.kind === 'arrondissement' && t.parent ? t.parent.code : t.code };
  delete next.territoire;
  delete next.territoire_choix;
  delete next.territoire_pour;
  return { query: next, field: communeFieldView(spec, { value: input.text, outcome }) };
}

/** The filter part of a query (the fields of pilotageFilterSchema), without empty values. */
const filterPart = (query: RawQuery): RawQuery => Object.fromEntries(FILTER_KEYS.filter((k) => query[k]).map((k) => [k, query[k]!]));

export const pilotagePages: FastifyPluginAsync = async (app) => {
  const { db } = app.platform;

  const dashboard = async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const asked = rawQuery(request.query);
    const { query: resolved, field } = await withTerritory(db, asked);
    let query = filterPart(resolved);
    const options = await formOptions(db, principal);
    const base = { title: 'Pilotage', sections: pilotageSections(principal, '/pilotage'), options, territoryField: field, levels: LEVELS.map((l) => ({ value: l, label: LEVEL_LABELS[l] })), breakdowns: BREAKDOWNS.map((b) => ({ value: b, label: BREAKDOWN_LABELS[b] })), dictionaryVersion: DICTIONARY_VERSION };
    if (Object.keys(query).length === 0 && !field.choice && !field.error) {
      const defaults = await defaultQuery(db, principal);
      if (defaults === null) return renderPage(request, reply, 'pilotage.njk', { ...base, form: asked, choosePlace: true });
      query = defaults;
    }
    const form = { ...asked, ...query };
    if (field.choice || field.error) return renderPage(request, reply, 'pilotage.njk', { ...base, form }, field.error ? 400 : 200);
    try {
      const level = query.level || 'france';
      const breakdown = query.breakdown || (CHILD_LEVEL[level as keyof typeof CHILD_LEVEL] ? 'territory' : 'programme');
      const report = await readIndicators(db, principal, { ...query, breakdown });
      const monthly = await readIndicators(db, principal, { ...query, breakdown: 'month' });
      return renderPage(request, reply, 'pilotage.njk', { ...base, form: { ...form, ...filterForm(report) }, scope: scopeText(principal, options, report), ...view(report, monthly) });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const choosePlace = error.code === 'lieu_requis';
      return renderPage(request, reply, 'pilotage.njk', { ...base, form, choosePlace, error: error.message }, choosePlace && !query.place ? 200 : httpStatus(error));
    }
  };

  app.get('/pilotage', dashboard);

  const exportRoute = (format: ExportFormat) => async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const file = await exportIndicators(db, principal, filterPart(rawQuery(request.query)), format);
    return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).send(file.content);
  };
  app.get('/pilotage/indicateurs.csv', exportRoute('csv'));
  app.get('/pilotage/indicateurs.xlsx', exportRoute('xlsx'));
  app.get('/pilotage/indicateurs.pdf', exportRoute('pdf'));
};

/** The form's fields as the report applied them (the period made explicit, the scope narrowed). */
function filterForm(report: IndicatorReport): RawQuery {
  const f = report.filter;
  return {
    level: f.level, code: f.code ?? '', from: f.from, to: f.to,
    funder: f.funder === null ? '' : String(f.funder), programme: f.programme === null ? '' : String(f.programme),
    prescriber: f.prescriber === null ? '' : String(f.prescriber), place: f.place === null ? '' : String(f.place),
    breakdown: report.breakdown?.by ?? '',
  };
}

/**
 * The organisation filters in words, under the title: « France » alone would hide that a funder reads only its
 * programmes, a prescriber its booklets, a mediator its place (the policies narrowed the query).
 */
function scopeText(principal: Principal, options: Awaited<ReturnType<typeof formOptions>>, report: IndicatorReport): string {
  const f = report.filter;
  const orgName = (id: number, listed: { value: string; label: string }[] = []) =>
    principal.memberships.find((m) => m.organisationId === id)?.organisationName ?? listed.find((o) => o.value === String(id))?.label ?? `n° ${id}`;
  const parts = [
    f.funder === null ? null : `financeur ${guillemets(orgName(f.funder, options.funders))}`,
    f.programme === null ? null : `programme ${guillemets(options.programmes.find((o) => o.value === String(f.programme))?.label ?? `n° ${f.programme}`)}`,
    f.prescriber === null ? null : `structure prescriptrice ${guillemets(orgName(f.prescriber))}`,
    f.place === null ? null : `lieu ${guillemets(options.places.find((o) => o.value === String(f.place))?.label ?? `n° ${f.place}`)}`,
  ].filter((p): p is string => p !== null);
  return parts.join(' ; ');
}

/** The chart's caption, visible (its title is only read by screen readers): « Chèques encaissés par territoire, France ». */
function chartCaption(report: IndicatorReport): string | null {
  const indicator = chartIndicator(report);
  return indicator && report.breakdown ? `${INDICATORS[indicator].label} ${BREAKDOWN_LABELS[report.breakdown.by]}, ${report.territoryLabel}` : null;
}

/** Everything the page draws, from the two reports (the chosen breakdown, and by month). */
function view(report: IndicatorReport, monthly: IndicatorReport) {
  const q = (overrides: Parameters<typeof filterQuery>[1] = {}) => filterQuery(report.filter, overrides);
  const table = breakdownTable(report);
  const indicator = chartIndicator(report);
  const monthIndicator = chartIndicator(monthly);
  const parent = report.filter.level === 'france' ? null : { href: `/pilotage?${filterQuery({ ...report.filter, level: 'france', code: null, breakdown: 'territory' })}`, label: 'Revenir à la France' };
  return {
    report,
    subtitle: reportSubtitle(report),
    updated: updatedText(report),
    groups: reportCards(report),
    funnel: reportFunnel(report),
    funnelChart: funnelChart(report),
    breakdown: table ? { ...table, chart: indicator ? breakdownChart(report, indicator, 'graphique-ventilation') : null, chartCaption: chartCaption(report), csv: `/pilotage/indicateurs.csv?${q()}` } : null,
    monthly: breakdownTable(monthly),
    monthlyChart: monthIndicator ? breakdownChart(monthly, monthIndicator, 'graphique-mois') : null,
    monthlyChartCaption: chartCaption(monthly),
    monthlyCsv: `/pilotage/indicateurs.csv?${q({ breakdown: 'month' })}`,
    exports: { csv: `/pilotage/indicateurs.csv?${q()}`, xlsx: `/pilotage/indicateurs.xlsx?${q()}`, pdf: `/pilotage/indicateurs.pdf?${q()}`, api: `/api/v1/pilotage/indicators?${q()}` },
    parent,
    // The hub's worst-served communes (coverage-pages.ts) are reached from its dashboard.
    hubCoverage: report.filter.level === 'hub' && report.filter.code ? `/pilotage/couverture/hub/${encodeURIComponent(report.filter.code)}` : null,
  };
}
