import { barChart, lineChart, type ChartDatum } from '../domain/charts.js';
import { BREAKDOWN_LABELS, CHILD_LEVEL, filterQuery, type BreakdownRow, type IndicatorReport, type IndicatorValue, type PilotageFilter } from '../domain/filters.js';
import { GROUP_LABELS, INDICATOR_IDS, INDICATORS, type IndicatorDefinition, type IndicatorGroup, type IndicatorId } from '../domain/indicators.js';
import { frenchDateTime, frenchDay } from '../../shared/dates.js';
import { formatEuros, formatNumber, NARROW_NBSP, NBSP } from '../../shared/french.js';

/**
 * How a report is written for people: the one formatting of the pilotage's numbers, shared by the pages, the PDF
 * report and the text cells of the exports, so that a number reads the same everywhere. Nothing is computed here but
 * the writing: every number comes from the report (use-cases/indicators.ts, protected by domain/privacy.ts).
 */

/** What a withheld value shows, and why (the privacy rules, docs/INDICATEURS.md). */
export const WITHHELD_TEXT = { small_cell: '< 5', complementary: 'masqué' } as const;
export const WITHHELD_REASON = {
  small_cell: 'moins de 5 personnes : valeur masquée',
  complementary: 'masquée pour qu’une valeur de moins de 5 personnes ne puisse pas être recalculée',
} as const;

export interface FormattedValue {
  /** The value as written (« 1 234 », « 45,5 % », « 12 jours », « 1 200,00 € », « < 5 »). */
  text: string;
  /** The amount of an indicator that carries one, as written (« 2 000,00 € »), or null. */
  amount: string | null;
  withheld: 'small_cell' | 'complementary' | null;
  /** Why it is withheld, in French. */
  reason: string | null;
  estimate: boolean;
  rounded: boolean;
}

const withheldOf = (v: IndicatorValue | undefined): 'small_cell' | 'complementary' | null => (v?.suppressed ? v.suppressed : v && v.value === null && v.beneficiaries !== undefined ? 'small_cell' : null);

/** A number of the dictionary's unit, in French. Percent values are percentages (45.5 → « 45,5 % »). */
export function formatUnit(definition: IndicatorDefinition, value: number, amountCents?: number | null): string {
  switch (definition.unit) {
    case 'percent':
      // A share too small for a tenth is not « 0 % » (the national goal of a small territory): say it is below.
      if (value > 0 && value < 0.05) return `moins de 0,1${NARROW_NBSP}%`;
      return `${formatNumber(value, 1)}${NARROW_NBSP}%`;
    case 'days': {
      const text = formatNumber(value, 1);
      return `${text}${NBSP}${Math.abs(value) >= 2 ? 'jours' : 'jour'}`;
    }
    case 'ratio':
      return formatNumber(value, 2);
    case 'euros':
      return formatEuros(amountCents ?? value);
    case 'hours':
      return `${formatNumber(value, 1)}${NBSP}h`;
    default:
      return formatNumber(value);
  }
}

/** One value of a report as a card, a table cell or a line of the PDF writes it. */
export function formatValue(id: IndicatorId, v: IndicatorValue | undefined): FormattedValue {
  const definition = INDICATORS[id];
  const withheld = withheldOf(v);
  const estimate = Boolean(v?.estimate ?? definition.estimate);
  const rounded = Boolean(v?.rounded);
  if (withheld) return { text: WITHHELD_TEXT[withheld], amount: null, withheld, reason: WITHHELD_REASON[withheld], estimate, rounded };
  if (!v || v.value === null || !Number.isFinite(v.value)) return { text: '—', amount: null, withheld: null, reason: definition.kind === 'rate' || definition.kind === 'median' ? 'non calculable sur cette période' : null, estimate, rounded };
  const amount = definition.amount && definition.unit !== 'euros' && typeof v.amountCents === 'number' ? formatEuros(v.amountCents) : null;
  return { text: `${rounded ? 'environ ' : ''}${formatUnit(definition, v.value, v.amountCents)}`, amount, withheld: null, reason: null, estimate, rounded };
}

export interface Card {
  id: IndicatorId;
  label: string;
  definition: string;
  source: string;
  dated: string | null;
  value: FormattedValue;
}

export interface CardGroup {
  group: IndicatorGroup;
  label: string;
  cards: Card[];
}

/** The cards of a report, grouped as the dictionary groups them (GROUP_LABELS), in the dictionary's order. */
export function reportCards(report: IndicatorReport, ids: readonly IndicatorId[] = INDICATOR_IDS): CardGroup[] {
  const groups = Object.keys(GROUP_LABELS) as IndicatorGroup[];
  return groups
    .map((group) => ({
      group,
      label: GROUP_LABELS[group],
      cards: ids
        .filter((id) => INDICATORS[id].group === group)
        .map((id) => ({ id, label: INDICATORS[id].label, definition: INDICATORS[id].definition, source: INDICATORS[id].source, dated: INDICATORS[id].dated ?? null, value: formatValue(id, report.values[id]) })),
    }))
    .filter((g) => g.cards.length > 0);
}

/** The funnel of the vouchers: each step, the rate that leads to it from the step before, the median delay. */
export const FUNNEL: { step: IndicatorId; rate: IndicatorId | null; delays: IndicatorId[] }[] = [
  { step: 'vouchers_issued', rate: null, delays: [] },
  { step: 'vouchers_activated', rate: null, delays: [] },
  { step: 'vouchers_allocated', rate: 'allocation_rate', delays: [] },
  { step: 'vouchers_handed', rate: 'handout_rate', delays: ['delay_allocation_to_handout'] },
  { step: 'vouchers_redeemed', rate: 'use_rate', delays: ['delay_handout_to_first_use', 'delay_first_to_last_use'] },
  { step: 'vouchers_reimbursed', rate: 'reimbursement_rate', delays: ['delay_redemption_to_reimbursement'] },
];

export interface FunnelStep {
  id: IndicatorId;
  label: string;
  value: FormattedValue;
  rate: { label: string; value: FormattedValue } | null;
  delays: { label: string; value: FormattedValue }[];
}

export function reportFunnel(report: IndicatorReport): FunnelStep[] {
  return FUNNEL.map(({ step, rate, delays }) => ({
    id: step,
    label: INDICATORS[step].label,
    value: formatValue(step, report.values[step]),
    rate: rate ? { label: INDICATORS[rate].label, value: formatValue(rate, report.values[rate]) } : null,
    delays: delays.map((d) => ({ label: INDICATORS[d].label, value: formatValue(d, report.values[d]) })),
  }));
}

const datum = (label: string, id: IndicatorId, v: IndicatorValue | undefined): ChartDatum => {
  const formatted = formatValue(id, v);
  return { label, value: formatted.withheld || !v || v.value === null ? null : v.value, text: formatted.text };
};

/** The funnel as bars (each step's vouchers). */
export function funnelChart(report: IndicatorReport, id = 'entonnoir'): string {
  return barChart(
    FUNNEL.map(({ step }) => datum(INDICATORS[step].label, step, report.values[step])),
    { id, title: `Parcours des chèques, ${report.territoryLabel}`, description: `Nombre de chèques à chaque étape, du ${frenchDay(report.filter.from)} au ${frenchDay(report.filter.to)} : ${FUNNEL.map(({ step }) => `${INDICATORS[step].label.toLowerCase()} ${formatValue(step, report.values[step]).text}`).join(', ')}.` },
  );
}

/** The indicator a breakdown's chart shows: the first of the funnel's the breakdown carries, or its first. */
export function chartIndicator(report: IndicatorReport): IndicatorId | null {
  const b = report.breakdown;
  if (!b || b.indicators.length === 0) return null;
  const preferred: IndicatorId[] = ['vouchers_redeemed', 'people_reached', 'vouchers_handed', 'accompaniments'];
  return preferred.find((id) => b.indicators.includes(id)) ?? b.indicators[0]!;
}

/** The chart of a breakdown: a line for months, bars otherwise. */
export function breakdownChart(report: IndicatorReport, indicator: IndicatorId, id: string): string | null {
  const b = report.breakdown;
  if (!b || b.rows.length === 0) return null;
  const data = b.rows.map((row) => datum(row.label, indicator, row.values[indicator]));
  const title = `${INDICATORS[indicator].label} ${BREAKDOWN_LABELS[b.by]}, ${report.territoryLabel}`;
  const description = `${title}, du ${frenchDay(report.filter.from)} au ${frenchDay(report.filter.to)} : ${data.map((d) => `${d.label} ${d.text}`).join(' ; ')}.`;
  return b.by === 'month' ? lineChart(data, { id, title, description }) : barChart(data, { id, title, description });
}

/** « 2026-03 » → « mars 2026 ». */
export function monthLabel(key: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(key);
  if (!match) return key;
  const names = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
  return `${names[Number(match[2]) - 1] ?? match[2]} ${match[1]}`;
}

export interface BreakdownTableRow {
  key: string;
  label: string;
  /** Where the row leads (the same page, one level down), when it has a drill-down. */
  href: string | null;
  cells: { value: FormattedValue; share: number | null; shareText: string | null }[];
}

export interface BreakdownTable {
  by: string;
  title: string;
  indicators: { id: IndicatorId; label: string }[];
  rows: BreakdownTableRow[];
}

/** The breakdown of a report as a table: rows in the report's order, cells the breakdown's indicators with their shares. */
export function breakdownTable(report: IndicatorReport, basePath = '/pilotage'): BreakdownTable | null {
  const b = report.breakdown;
  if (!b) return null;
  const drillHref = (row: BreakdownRow) => {
    if (!row.drill) return null;
    const next = { ...report.filter, breakdown: null, ...row.drill } as PilotageFilter;
    if (next.breakdown === null && CHILD_LEVEL[next.level]) next.breakdown = 'territory';
    return `${basePath}?${filterQuery(next)}`;
  };
  return {
    by: b.by,
    title: `Ventilation ${BREAKDOWN_LABELS[b.by]} : ${report.territoryLabel}`,
    indicators: b.indicators.map((id) => ({ id, label: INDICATORS[id].label })),
    rows: b.rows.map((row) => ({
      key: row.key,
      label: b.by === 'month' ? monthLabel(row.key) : row.label,
      href: drillHref(row),
      cells: b.indicators.map((id) => {
        const share = row.shares?.[id] ?? null;
        return { value: formatValue(id, row.values[id]), share, shareText: share === null ? null : `${formatNumber(share)}${NARROW_NBSP}%` };
      }),
    })),
  };
}

/** The period and the territory of a report in words, for headings and the PDF. */
export function reportSubtitle(report: IndicatorReport): string {
  return `${report.territoryLabel}, du ${frenchDay(report.filter.from)} au ${frenchDay(report.filter.to)}`;
}

export const updatedText = (report: IndicatorReport): string => (report.updatedAt ? `mis à jour le ${frenchDateTime(report.updatedAt)}` : 'jamais mis à jour');
