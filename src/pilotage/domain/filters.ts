import { z } from 'zod';
import { invalid } from '../../shared/errors.js';
import type { IndicatorId } from './indicators.js';

/**
 * The one filter schema of the pilotage: the pages' GET forms, the CSV/XLSX exports, the PDF report and the JSON API
 * (`GET /api/v1/pilotage/indicators?level=…&code=…&from=…&to=…`) all parse their query with `pilotageFilterSchema`,
 * so the same query string gives the same numbers everywhere (a property test checks it).
 */
export const LEVELS = ['france', 'region', 'departement', 'hub', 'commune'] as const;
export type Level = (typeof LEVELS)[number];
export const LEVEL_LABELS: Record<Level, string> = {
  france: 'France',
  region: 'Région',
  departement: 'Département',
  hub: 'Hub (plusieurs départements)',
  commune: 'Commune',
};

/** Breakdowns of a report: rows of one table, one chart. */
export const BREAKDOWNS = ['territory', 'month', 'programme', 'funder', 'prescriber', 'place', 'theme'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];
export const BREAKDOWN_LABELS: Record<Breakdown, string> = {
  territory: 'par territoire',
  month: 'par mois',
  programme: 'par programme',
  funder: 'par financeur',
  prescriber: 'par structure prescriptrice',
  place: 'par lieu',
  theme: 'par thème d’accompagnement',
};

/** The child level a territory breaks down into (France → régions → départements → communes; a hub → its départements). */
export const CHILD_LEVEL: Record<Level, Level | null> = { france: 'region', region: 'departement', hub: 'departement', departement: 'commune', commune: null };

/** The longest period one query may cover. */
export const MAX_PERIOD_DAYS = 3660;
/** The period when none is given: the last 12 months up to today (inclusive). */
export const DEFAULT_PERIOD_MONTHS = 12;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** The years a period may touch: PostgreSQL has no year 0, and the pass has no activity outside these (a 4xx, not a 500). */
export const YEAR_RANGE = { min: 2000, max: 2099 } as const;
const inYears = (value: string) => Number(value.slice(0, 4)) >= YEAR_RANGE.min && Number(value.slice(0, 4)) <= YEAR_RANGE.max;
const isRealDate = (value: string) => DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
const date = (what: string) =>
  z.string().trim()
    .refine(isRealDate, { message: `La date ${what} doit être une date réelle au format AAAA-MM-JJ.` })
    .refine((value) => !isRealDate(value) || inYears(value), { message: `La date ${what} doit être comprise entre ${YEAR_RANGE.min} et ${YEAR_RANGE.max}.` });
const id = (what: string) =>
  z.coerce
    .number({ message: `${what} doit être un identifiant numérique.` })
    .int({ message: `${what} doit être un identifiant numérique.` })
    .positive({ message: `${what} doit être un identifiant numérique.` })
    .max(2_147_483_647, { message: `${what} est trop grand.` });
/** An empty form field means « not filtered ». */
const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

/** INSEE codes: commune 5 characters (2A/2B for Corsica), département 2–3, région 2; a hub is its organisation's id. */
export const CODE_PATTERNS: Record<Exclude<Level, 'france'>, RegExp> = {
  region: /^\d{2}$/,
  departement: /^(\d{2}|2A|2B|9[78]\d)$/,
  commune: /^(\d{5}|2[AB]\d{3})$/,
  hub: /^\d{1,10}$/,
};

export const pilotageFilterSchema = z
  .object({
    level: optional(z.enum(LEVELS, { message: 'Le niveau doit être france, region, departement, hub ou commune.' })).default('france'),
    code: optional(z.string().trim().toUpperCase().max(10, { message: 'Le code du territoire est trop long.' })),
    from: optional(date('de début')),
    to: optional(date('de fin')),
    funder: optional(id('Le financeur')),
    prescriber: optional(id('La structure prescriptrice')),
    place: optional(id('Le lieu')),
    programme: optional(id('Le programme')),
    breakdown: optional(z.enum(BREAKDOWNS, { message: `Cette ventilation n’existe pas : choisissez ${BREAKDOWNS.map((b) => `« ${BREAKDOWN_LABELS[b]} » (${b})`).join(', ')}.` })),
  })
  .superRefine((value, ctx) => {
    if (value.level !== 'france') {
      if (!value.code) ctx.addIssue({ code: 'custom', path: ['code'], message: 'Indiquez le code du territoire (code INSEE, ou numéro du hub).' });
      else if (!CODE_PATTERNS[value.level].test(value.code)) ctx.addIssue({ code: 'custom', path: ['code'], message: `« ${value.code} » n’est pas un code de ${LEVEL_LABELS[value.level].toLowerCase()} valide.` });
    } else if (value.code) ctx.addIssue({ code: 'custom', path: ['code'], message: 'Le niveau France ne prend pas de code de territoire.' });
    if (value.from && value.to && value.from > value.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'La date de fin doit suivre la date de début.' });
    if (value.from && value.to && (Date.parse(value.to) - Date.parse(value.from)) / 86_400_000 > MAX_PERIOD_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: 'La période ne peut pas dépasser 10 ans.' });
  });

export type PilotageFilterInput = z.input<typeof pilotageFilterSchema>;
type Parsed = z.output<typeof pilotageFilterSchema>;

/** A filter once parsed and completed: the period is always explicit (inclusive Paris days). */
export interface PilotageFilter {
  level: Level;
  code: string | null;
  from: string;
  to: string;
  funder: number | null;
  prescriber: number | null;
  place: number | null;
  programme: number | null;
  breakdown: Breakdown | null;
}

const addMonths = (day: string, months: number): string => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
};
const addDays = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Completes a parsed filter: the default period ends today (Paris) and starts the day after the same day 12 months earlier. */
export function completeFilter(parsed: Parsed, today: string): PilotageFilter {
  const to = parsed.to ?? today;
  const from = parsed.from ?? addDays(addMonths(to, -DEFAULT_PERIOD_MONTHS), 1);
  return {
    level: parsed.level,
    code: parsed.level === 'france' ? null : (parsed.code ?? null),
    from: from > to ? to : from,
    to,
    funder: parsed.funder ?? null,
    prescriber: parsed.prescriber ?? null,
    place: parsed.place ?? null,
    programme: parsed.programme ?? null,
    breakdown: parsed.breakdown ?? null,
  };
}

/** The canonical query string of a filter (links, exports, the API): the same string parses back to the same filter. */
export function filterQuery(filter: PilotageFilter, overrides: Partial<PilotageFilter> = {}): string {
  const f = { ...filter, ...overrides };
  const params = new URLSearchParams();
  params.set('level', f.level);
  if (f.code) params.set('code', f.code);
  params.set('from', f.from);
  params.set('to', f.to);
  for (const key of ['funder', 'prescriber', 'place', 'programme'] as const) if (f[key] !== null) params.set(key, String(f[key]));
  if (f.breakdown) params.set('breakdown', f.breakdown);
  return params.toString();
}

/** Number of days of the period, both ends included. */
export const periodDays = (filter: Pick<PilotageFilter, 'from' | 'to'>): number => Math.round((Date.parse(filter.to) - Date.parse(filter.from)) / 86_400_000) + 1;

// ————————————————————————————————————————————————————————————————————————————————————————————————————————————————
// What a report is: the engine (use-cases/indicators.ts) returns it, privacy.ts protects it, pages, exports, the PDF
// and the API only render it.

/** One number of a report. `value` is null when the privacy rules withheld it (`suppressed` says why). */
export interface IndicatorValue {
  value: number | null;
  /** For indicators with `amount`: euro cents, withheld with the value. */
  amountCents?: number | null;
  /** Distinct beneficiaries behind the number (never shown; the privacy rules read it), when personal. */
  beneficiaries?: number;
  /** Set by privacy.ts only (engines leave it unset): null = checked and published, otherwise why it is withheld. */
  suppressed?: 'small_cell' | 'complementary' | null;
  /** Public outputs round counts under 100 (privacy.ts). */
  rounded?: boolean;
  estimate?: boolean;
}

export interface BreakdownRow {
  /** The key of the row: INSEE code, month (AAAA-MM), organisation, place or programme id, theme code. */
  key: string;
  label: string;
  /** Where a drill-down from this row leads (a filter), when it has one. */
  drill?: Partial<PilotageFilter>;
  values: Partial<Record<IndicatorId, IndicatorValue>>;
  /** Share of each value in the column total, in whole percents summing to exactly 100 (largest remainder). */
  shares?: Partial<Record<IndicatorId, number | null>>;
}

export interface IndicatorReport {
  filter: PilotageFilter;
  dictionaryVersion: string;
  /** The territory's name, e.g. « Loire-Atlantique (44) ». */
  territoryLabel: string;
  /** When the aggregates read were last brought up to date (the cube's refresh). */
  updatedAt: string;
  values: Record<IndicatorId, IndicatorValue>;
  /** Histograms of the delays are reduced to their medians in `values`; the funnel reads the flows. */
  breakdown: { by: Breakdown; indicators: IndicatorId[]; rows: BreakdownRow[] } | null;
  /** 'public': the open-data level (rounded, no organisation filters); 'shared': every signed-in reader. */
  audience: 'public' | 'shared';
}

/**
 * Parses a query (a page's form, an export's or the API's query string) into a complete filter; the first problem
 * is refused with its French message (400), nothing else happens.
 */
export function parsePilotageFilter(input: unknown, today: string): PilotageFilter {
  const parsed = pilotageFilterSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(issue.message, 'filtre_invalide', { champ: issue.path.join('.') });
  }
  return completeFilter(parsed.data, today);
}
