import type { Breakdown, BreakdownRow, IndicatorReport, IndicatorValue } from './filters.js';
import { INDICATORS, type IndicatorDefinition, type IndicatorId } from './indicators.js';
import { checkPublicFilter } from './policies.js';

/**
 * The privacy rules of every shared or public output of the pilotage (ADR 0011, docs/INDICATEURS.md). Pure: the
 * engine (use-cases/indicators.ts) hands its report here before anything renders it, and nothing else decides
 * what is withheld.
 *
 * 1. Small cells. A personal indicator (INDICATORS[id].personal) counting fewer than K_ANONYMITY distinct
 *    beneficiaries is withheld (value and amount null, `suppressed: 'small_cell'`), at the top of the report (the
 *    territory itself) and in every row of the breakdown. Zero is not a small cell: « 0 personne » names nobody
 *    and is published. A personal value that comes without its `beneficiaries` is withheld too (fail closed),
 *    unless it already went through these rules (`suppressed: null`, see below).
 * 2. Complementary suppression, per column of the breakdown (additive indicators: flows and stocks). When exactly
 *    one row of a column is withheld while the column's total (the report's top value) is published, the total
 *    minus the published rows would give it back: the smallest other non-zero published row is withheld as well
 *    (`'complementary'`; a zero would leave the hidden sum equal to the secret); with no such row, the total is
 *    withheld. When the total itself is a small cell, every non-zero row of the column is (its rows are parts of
 *    fewer than K people).
 * 3. Derived numbers. A rate (`ratio`) or a number computed from another indicator (`derivedFrom`) is withheld
 *    when one of its personal operands is withheld or missing from the same row: numerator ÷ rate would give the
 *    hidden count back. A median carries its own population in `beneficiaries` and follows rule 1; it reveals no
 *    count.
 * 4. Public audience (open-data level): no organisation filter or breakdown (funder, prescriber, place,
 *    programme); personal counts under PUBLIC_ROUNDING.below are rounded to the nearest PUBLIC_ROUNDING.step, larger
 *    ones to the nearest PUBLIC_ROUNDING.aboveStep, so that the difference of two large published counts (two
 *    periods a day apart) does not give a small hidden one back (`rounded: true`), their amounts scaled alike, and rates computed from them are scaled by the same factors
 *    (an exact rate next to a rounded count would give the exact count back). Counts of organisations (places,
 *    mediators, vouchers issued, money) are not about people and stay exact.
 * 5. Shares. Every additive column gets, per row, its share of the published rows' sum in whole percents summing
 *    to exactly 100 (largest remainder). Withheld rows get null and the published rows share 100 among themselves:
 *    computed from published numbers only, a share reveals nothing the published numbers do not. A column whose
 *    published rows sum to 0, and a rate or median column, has null shares.
 * 6. `beneficiaries` never leaves: it is removed from every value.
 *
 * Idempotent: a protected report protected again is unchanged (published values carry `suppressed: null`, the mark
 * that they were checked; engines leave `suppressed` unset).
 */
export const K_ANONYMITY = 5;
export const PUBLIC_ROUNDING = { below: 100, step: 5, aboveStep: 10 } as const;

/** Rule 4's rounding of a public personal count: to the nearest 5 under 100, to the nearest 10 from 100 on. */
export const roundPublicCount = (value: number): number => {
  const step = value < PUBLIC_ROUNDING.below ? PUBLIC_ROUNDING.step : PUBLIC_ROUNDING.aboveStep;
  return Math.round(value / step) * step;
};
/** Breakdowns that name organisations: never in the public audience. */
export const ORGANISATION_BREAKDOWNS: readonly Breakdown[] = ['funder', 'prescriber', 'place', 'programme'];

/** The French statement of the rules (docs/INDICATEURS.md, the pages' « confidentialité » notes). */
export const PRIVACY_RULES_FR: string[] = [
  `Toute case d’un indicateur personnel (marqué « personnel » ci-dessus) qui compte moins de ${K_ANONYMITY} bénéficiaires distincts est masquée : sa valeur et son montant ne sont pas publiés (« moins de ${K_ANONYMITY} personnes »). Une case à zéro n’est pas masquée : elle ne désigne personne.`,
  `Masquage complémentaire : dans chaque colonne d’une ventilation, si une seule case est masquée alors que le total est publié, la plus petite autre case non nulle est masquée aussi (« masqué pour protéger une autre case »), sinon le total ; une case masquée ne peut donc pas être recalculée en retranchant les cases publiées du total. Si le total d’un territoire compte moins de ${K_ANONYMITY} bénéficiaires, il est masqué avec toutes ses cases non nulles.`,
  `Un taux calculé à partir d’une case masquée est masqué. Un délai médian est masqué quand il porte sur moins de ${K_ANONYMITY} bénéficiaires.`,
  `Niveau public (données ouvertes, pages sans connexion) : aucun filtre ni ventilation par organisation, lieu ou programme ; les comptes de personnes et de leur activité inférieurs à ${PUBLIC_ROUNDING.below} sont arrondis au multiple de ${PUBLIC_ROUNDING.step} le plus proche, les autres au multiple de ${PUBLIC_ROUNDING.aboveStep} le plus proche (« arrondi » : la différence de deux grands comptes publiés, par exemple de deux périodes décalées d’un jour, ne redonne pas un petit compte masqué), les montants et les taux correspondants sont calculés à partir des valeurs arrondies. Les comptes de lieux, de médiateurs, de chèques émis, activés ou attribués et les montants financés sont exacts.`,
  'Les parts d’une ventilation sont des pourcentages entiers dont la somme fait exactement 100 (méthode du plus fort reste), calculés sur les seules cases publiées : une case masquée n’a pas de part.',
  'Le nombre de bénéficiaires derrière chaque case sert au masquage et ne quitte jamais le serveur. Aucune ventilation ne descend sous la commune, le lieu ou le mois : aucune ne mène à une personne.',
  'Chaque export (CSV, tableur, PDF, données ouvertes) est journalisé : qui, quand, quel filtre, combien de lignes ; les téléchargements publics sont journalisés sans auteur.',
];

// ————————————————————————————————————————————————————————————————————————————————————————————————————————————————
// Shares

/**
 * Whole shares of `total` (100 by default) proportional to `values`, summing to exactly `total`: each share is the
 * floor of its exact share, and the units left go to the largest remainders, ties to the earlier value. Each share
 * is therefore the floor or the ceiling of its exact share. All zeros give all zeros (nothing to share).
 * Non-integer values are compared at a millionth.
 */
export function largestRemainder(values: number[], total = 100): number[] {
  if (!Number.isInteger(total) || total < 0) throw new RangeError('largestRemainder: total must be a non-negative integer');
  if (values.some((v) => !Number.isFinite(v) || v < 0)) throw new RangeError('largestRemainder: values must be finite and non-negative');
  const scale = values.every(Number.isInteger) ? 1 : 1e6;
  const units = values.map((v) => Math.round(v * scale));
  const sum = units.reduce((a, b) => a + b, 0);
  if (sum === 0) return values.map(() => 0);
  const shares: number[] = [];
  const remainders: number[] = [];
  for (const u of units) {
    const scaled = u * total;
    let floor = Math.floor(scaled / sum);
    // Exact integer arithmetic: correct a quotient rounded up by floating division.
    if (floor * sum > scaled) floor -= 1;
    else if ((floor + 1) * sum <= scaled) floor += 1;
    shares.push(floor);
    remainders.push(scaled - floor * sum);
  }
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = remainders.map((_, i) => i).sort((a, b) => remainders[b]! - remainders[a]! || a - b);
  for (const i of order) {
    if (left <= 0) break;
    shares[i]! += 1;
    left -= 1;
  }
  return shares;
}

// ————————————————————————————————————————————————————————————————————————————————————————————————————————————————
// The rules

type Values = Partial<Record<IndicatorId, IndicatorValue>>;
type Reason = 'small_cell' | 'complementary';

const additive = (def: IndicatorDefinition) => def.kind === 'flow' || def.kind === 'stock';
/** The indicators a derived number is computed from (rates: numerator and denominator). */
export const operandsOf = (def: IndicatorDefinition): IndicatorId[] => (def.ratio ? [def.ratio.numerator, def.ratio.denominator] : (def.derivedFrom ?? []));
const isWithheld = (v: IndicatorValue | undefined): boolean => v !== undefined && v.value === null && (v.suppressed === 'small_cell' || v.suppressed === 'complementary');

function withhold(def: IndicatorDefinition, previous: IndicatorValue | undefined, reason: Reason): IndicatorValue {
  const out: IndicatorValue = { value: null };
  if (def.amount || (previous && 'amountCents' in previous)) out.amountCents = null;
  out.suppressed = reason;
  if (def.estimate || previous?.estimate) out.estimate = true;
  return out;
}

function publish(def: IndicatorDefinition, v: IndicatorValue): IndicatorValue {
  const { beneficiaries: _dropped, ...rest } = v;
  const out: IndicatorValue = { ...rest, suppressed: rest.value === null ? (rest.suppressed ?? null) : null };
  if (def.estimate) out.estimate = true;
  return out;
}

/** Rule 1 for one value. */
function primary(def: IndicatorDefinition, v: IndicatorValue): IndicatorValue {
  if (isWithheld(v)) return withhold(def, v, v.suppressed!);
  if (!def.personal || v.value === null) return publish(def, v);
  const b = v.beneficiaries;
  if (b === undefined) return v.suppressed === null ? publish(def, v) : withhold(def, v, 'small_cell');
  if (b >= K_ANONYMITY || (b === 0 && v.value === 0 && !v.amountCents)) return publish(def, v);
  return withhold(def, v, 'small_cell');
}

function primaryAll(values: Values): Values {
  const out: Values = {};
  for (const [id, v] of Object.entries(values) as [IndicatorId, IndicatorValue][]) if (v) out[id] = primary(INDICATORS[id], v);
  return out;
}

/** Rule 2 for one additive column: mutates `top` and `rows` (already through rule 1). */
function complementary(id: IndicatorId, top: Values, rows: Values[]): void {
  const def = INDICATORS[id];
  const total = top[id];
  if (total?.suppressed === 'small_cell') {
    for (const row of rows) if (row[id] && row[id]!.value !== null && row[id]!.value !== 0) row[id] = withhold(def, row[id], 'small_cell');
    return;
  }
  const hidden = rows.filter((row) => isWithheld(row[id]));
  if (hidden.length !== 1 || total === undefined || total.value === null) return;
  let best: Values | null = null;
  for (const row of rows) {
    const v = row[id];
    if (!v || v.value === null || v.value === 0) continue;
    if (best === null || v.value < best[id]!.value!) best = row;
  }
  if (best) best[id] = withhold(def, best[id], 'complementary');
  else top[id] = withhold(def, total, 'complementary');
}

/** A rate keeps the engine's precision: percents to a tenth, other ratios to a hundredth. */
const roundRate = (def: IndicatorDefinition, x: number) => (def.unit === 'percent' ? Math.round(x * 10) / 10 : Math.round(x * 100) / 100);

/** Rule 4 (counts) for one values map; returns the factor rounded / exact of each rounded indicator. */
function roundCounts(values: Values): Map<IndicatorId, number> {
  const factors = new Map<IndicatorId, number>();
  for (const [id, v] of Object.entries(values) as [IndicatorId, IndicatorValue][]) {
    const def = INDICATORS[id];
    if (!v || v.value === null || !def.personal || !additive(def)) continue;
    const rounded = roundPublicCount(v.value);
    const factor = v.value === 0 ? 1 : rounded / v.value;
    factors.set(id, factor);
    const next: IndicatorValue = { ...v, value: rounded, rounded: true };
    if (typeof v.amountCents === 'number') next.amountCents = Math.round(v.amountCents * factor);
    values[id] = next;
  }
  return factors;
}

/** Rule 3 (and rule 4 for derived numbers) for one values map, after rules 1, 2 and the rounding of counts. */
function derive(values: Values, factors: Map<IndicatorId, number> | null): void {
  for (const [id, v] of Object.entries(values) as [IndicatorId, IndicatorValue][]) {
    const def = INDICATORS[id];
    const operands = operandsOf(def);
    if (!v || operands.length === 0 || v.value === null) continue;
    let reason: Reason | null = null;
    for (const op of operands) {
      if (!INDICATORS[op].personal) continue;
      const o = values[op];
      if (o === undefined) reason = 'small_cell';
      else if (isWithheld(o)) reason = reason === 'small_cell' || o.suppressed === 'small_cell' ? 'small_cell' : 'complementary';
    }
    if (reason) {
      values[id] = withhold(def, v, reason);
      continue;
    }
    if (!factors) continue;
    // The rate of rounded counts: numerator's factor over the denominator's (derivedFrom: a product of factors).
    let scale = 1;
    let rounded = false;
    operands.forEach((op, index) => {
      const o = values[op];
      if (o?.rounded) rounded = true;
      const f = factors.get(op) ?? 1;
      scale = def.ratio && index === 1 ? scale / f : scale * f;
    });
    if (!Number.isFinite(scale)) values[id] = withhold(def, v, 'small_cell');
    else if (rounded) values[id] = { ...v, value: roundRate(def, v.value * scale), rounded: true };
  }
}

function sharesOf(id: IndicatorId, rows: Values[]): (number | null)[] {
  const def = INDICATORS[id];
  if (!additive(def)) return rows.map(() => null);
  const published = rows.map((row, index) => ({ index, value: row[id]?.value ?? null })).filter((p): p is { index: number; value: number } => p.value !== null);
  const shares: (number | null)[] = rows.map(() => null);
  if (published.reduce((a, p) => a + Math.max(0, p.value), 0) === 0) return shares;
  const whole = largestRemainder(published.map((p) => Math.max(0, p.value)));
  published.forEach((p, i) => (shares[p.index] = whole[i]!));
  return shares;
}

/**
 * The report as it may leave the server for its audience (see the rules above). The input is not modified.
 * The public audience is refused an organisation filter (checkPublicFilter) and loses an organisation breakdown.
 */
export function protectReport(report: IndicatorReport): IndicatorReport {
  const isPublic = report.audience === 'public';
  if (isPublic) checkPublicFilter(report.filter);
  const top = primaryAll(report.values) as Record<IndicatorId, IndicatorValue>;
  const source = report.breakdown && !(isPublic && ORGANISATION_BREAKDOWNS.includes(report.breakdown.by)) ? report.breakdown : null;
  const rows = source ? source.rows.map((row) => primaryAll(row.values)) : [];
  const columns = source ? [...new Set([...source.indicators, ...rows.flatMap((r) => Object.keys(r) as IndicatorId[])])] : [];
  for (const id of columns) if (additive(INDICATORS[id])) complementary(id, top, rows);
  const topFactors = isPublic ? roundCounts(top) : null;
  derive(top, topFactors);
  for (const row of rows) derive(row, isPublic ? roundCounts(row) : null);

  let breakdown: IndicatorReport['breakdown'] = null;
  if (source) {
    const shares = new Map(columns.map((id) => [id, sharesOf(id, rows)] as const));
    breakdown = {
      by: source.by,
      indicators: [...source.indicators],
      rows: source.rows.map((row, index): BreakdownRow => {
        const out: BreakdownRow = { key: row.key, label: row.label, values: rows[index]!, shares: Object.fromEntries(columns.map((id) => [id, shares.get(id)![index]!])) };
        if (row.drill) out.drill = { ...row.drill };
        return out;
      }),
    };
  }
  return { ...report, filter: { ...report.filter }, values: top, breakdown };
}
