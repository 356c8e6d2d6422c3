import { formatScore, ifnClass, PALETTE } from '../domain/coverage.js';
import { dotRadius, renderMapLinks, renderSvgMap, type SvgMap } from '../domain/svg-map.js';
import { formatNumber } from '../../shared/french.js';
import type { CommuneCoverage, DepartementCoverage } from './coverage.js';
import { DEPARTEMENT_SIZE, departementGeometry, franceGeometry, FRANCE_HEIGHT, FRANCE_WIDTH } from './map-geometry.js';

/** What the colours show: the IFN, or the gap score on the same binning. */
export type MapMeasure = 'ecart' | 'ifn';
export const MEASURE_LABELS: Record<MapMeasure, string> = { ecart: 'score d’écart entre besoin et offre', ifn: 'indice de fragilité numérique (IFN)' };

const gapText = (score: number) => `${formatNumber(Math.round(score * 10) / 10, 1)}/100`;
const colourOf = (measure: MapMeasure, row: { ifn: number | null; gapClass: number }) => PALETTE[measure === 'ifn' ? ifnClass(row.ifn) : row.gapClass]!.fill;
const valueText = (measure: MapMeasure, row: { ifn: number | null; gapScore: number }) => (measure === 'ifn' ? `IFN ${formatScore(row.ifn)}` : `écart ${gapText(row.gapScore)}`);

/** A map as the page shows it: the image, and the mouse's links laid over it (svg-map.ts). */
export interface RenderedMap {
  image: string;
  links: string;
}

const rendered = (map: SvgMap): RenderedMap => ({ image: renderSvgMap(map), links: renderMapLinks(map) });

/** France by département: one path per département of the outlines, the overseas départements in insets. */
export function franceMap(departements: DepartementCoverage[], measure: MapMeasure): RenderedMap {
  const { paths, frames } = franceGeometry();
  const byCode = new Map(departements.map((d) => [d.code, d]));
  const shapes = [...paths].map(([code, d]) => {
    const row = byCode.get(code);
    return {
      code, d, href: `/pilotage/couverture/${code}`,
      fill: row ? colourOf(measure, row) : PALETTE[0]!.fill,
      tooltip: row ? `${row.name} (${code}) : ${valueText(measure, row)}` : `${code} : sans donnée`,
    };
  });
  return rendered({
    id: 'carte-france', width: FRANCE_WIDTH, height: FRANCE_HEIGHT,
    label: `Carte de France par département : ${MEASURE_LABELS[measure]}`,
    title: `France par département : ${MEASURE_LABELS[measure]}`,
    description: `Chaque département est coloré selon sa classe (1 à 7, de clair à foncé) de ${MEASURE_LABELS[measure]} ; la Guadeloupe, la Martinique, la Guyane, La Réunion et Mayotte sont en encarts sous la métropole. Les mêmes valeurs sont dans le tableau qui suit la carte.`,
    shapes, frames,
  });
}

/** A département's communes as dots at their centres (area ∝ population), inside the département's outline. */
export function departementMap(departement: DepartementCoverage, communes: CommuneCoverage[], measure: MapMeasure): RenderedMap | null {
  const geometry = departementGeometry(departement.code);
  if (!geometry) return null;
  const largest = Math.max(0, ...communes.map((c) => c.population));
  // The largest dots first, so that small communes stay visible on top.
  const dots = [...communes].sort((a, b) => b.population - a.population).flatMap((c) => {
    const point = c.lat !== null && c.lng !== null ? geometry.project(c.lng, c.lat) : null;
    if (!point) return [];
    return [{ cx: point[0], cy: point[1], r: dotRadius(c.population, largest), fill: colourOf(measure, c), tooltip: `${c.name} : ${formatNumber(c.population)} habitants, ${valueText(measure, c)}` }];
  });
  return rendered({
    id: 'carte-departement', width: DEPARTEMENT_SIZE, height: DEPARTEMENT_SIZE,
    label: `Carte des communes du département ${departement.name} (${departement.code}) : ${MEASURE_LABELS[measure]}`,
    title: `${departement.name} (${departement.code}) par commune : ${MEASURE_LABELS[measure]}`,
    description: `Chaque commune est un point à son centre, d’autant plus grand qu’elle est peuplée, coloré selon sa classe (1 à 7, de clair à foncé) de ${MEASURE_LABELS[measure]}, dans le contour du département. Les mêmes valeurs sont dans le tableau qui suit la carte.`,
    shapes: [], outlines: [{ d: geometry.outline }], dots,
  });
}
