import type { CsvCell } from '../../shared/csv.js';
import { frenchCsv } from '../../shared/csv.js';
import { formatNumber, NARROW_NBSP, NBSP } from '../../shared/french.js';
import type { CommuneCoverage, DepartementCoverage } from './coverage.js';

/**
 * The columns of the coverage tables, written once for the page's table and for its CSV: the CSV holds the values
 * (decimal comma, no grouping), the table the same values as French text. The rounding is the same for both.
 */
export interface Column<T> {
  header: string;
  /** The value as the CSV writes it (rounded), '' when there is none. */
  value: (row: T) => CsvCell;
  /** Right-aligned numbers. */
  numeric: boolean;
}

const r0 = (n: number) => Math.round(n);
const r1 = (n: number) => Math.round(n * 10) / 10;
const orEmpty = (n: number | null, round: (n: number) => number): CsvCell => (n === null ? '' : round(n));

/** A value as the table shows it: « 12 345 », « 3,5 », « — » when there is none. */
export function cellText(value: CsvCell): string {
  if (value === '') return '—';
  if (typeof value === 'number') return formatNumber(value, 1);
  return String(value);
}

const common = <T extends DepartementCoverage | CommuneCoverage>(): Column<T>[] => [
  { header: 'Population', value: (r) => r.population, numeric: true },
  { header: 'IFN (sur 10)', value: (r) => orEmpty(r.ifn, r1), numeric: true },
  { header: 'Classe IFN (1 à 7)', value: (r) => (r.ifnClass === 0 ? '' : r.ifnClass), numeric: true },
  { header: 'Personnes à atteindre (estimation)', value: (r) => r0(r.need), numeric: true },
  { header: 'Besoin non couvert (estimation)', value: (r) => r0(r.unmetNeed), numeric: true },
  { header: 'Lieux', value: (r) => r.places, numeric: true },
  { header: 'Lieux labellisés', value: (r) => r.labelledPlaces, numeric: true },
  { header: 'Lieux acceptant le pass', value: (r) => r.placesAcceptingPass, numeric: true },
  { header: 'Médiateurs', value: (r) => r.mediators, numeric: true },
  { header: 'Lieux pour 10 000 habitants', value: (r) => orEmpty(r.placesPer10000, r1), numeric: true },
  { header: 'Médiateurs pour 10 000 habitants', value: (r) => orEmpty(r.mediatorsPer10000, r1), numeric: true },
];

const gapColumns = <T extends DepartementCoverage | CommuneCoverage>(): Column<T>[] => [
  { header: 'Score d’écart (sur 100)', value: (r) => r1(r.gapScore), numeric: true },
  { header: 'Classe d’écart (1 à 7)', value: (r) => r.gapClass, numeric: true },
];

export const DEPARTEMENT_COLUMNS: Column<DepartementCoverage>[] = [
  { header: 'Département', value: (r) => r.code, numeric: false },
  { header: 'Nom', value: (r) => r.name, numeric: false },
  { header: 'Communes', value: (r) => r.communes, numeric: true },
  ...common<DepartementCoverage>(),
  { header: 'Population à plus de 20 km d’un lieu labellisé (%)', value: (r) => orEmpty(r.farShare === null ? null : r.farShare * 100, r1), numeric: true },
  ...gapColumns<DepartementCoverage>(),
];

export const COMMUNE_COLUMNS: Column<CommuneCoverage>[] = [
  { header: 'Code INSEE', value: (r) => r.code, numeric: false },
  { header: 'Commune', value: (r) => r.name, numeric: false },
  ...common<CommuneCoverage>(),
  { header: 'Distance au lieu labellisé le plus proche (km)', value: (r) => orEmpty(r.nearestLabelledKm, r1), numeric: true },
  { header: 'Distance au lieu acceptant le pass le plus proche (km)', value: (r) => orEmpty(r.nearestPassKm, r1), numeric: true },
  ...gapColumns<CommuneCoverage>(),
];

/** The rows as the table shows them (the first two columns, code and name, are drawn by the template). */
export const tableRows = <T>(columns: Column<T>[], rows: T[]) => rows.map((row) => ({ row, cells: columns.slice(2).map((c) => ({ text: cellText(c.value(row)), numeric: c.numeric })) }));

export const csvOf = <T>(columns: Column<T>[], rows: T[]): string => frenchCsv(columns.map((c) => c.header), rows.map((row) => columns.map((c) => c.value(row))));

/** « 12,5 km » for a sentence. */
export const kmText = (km: number | null): string => (km === null ? 'aucun' : `${formatNumber(r1(km), 1)}${NBSP}km`);
export const percentText = (share: number | null): string => (share === null ? '—' : `${formatNumber(r1(share * 100), 1)}${NARROW_NBSP}%`);
