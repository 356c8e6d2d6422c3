/**
 * Maps as server-rendered SVG, from shapes already projected (pilotage/use-cases/map-geometry.ts): no tile server,
 * no script. Every map is an image (role="img") named by its aria-label, with a <title> and a <desc> saying what
 * it shows and where its table is; the pages put the table and the CSV right below. An image holds no link (its
 * content is presentational): the links that let a mouse go to a département are a second, transparent SVG laid
 * over it (renderMapLinks: `<use>` of the image's paths), hidden from assistive technologies and out of the
 * keyboard's order, because the table below offers the same links to the keyboard and to screen readers.
 */
import { OUTLINE } from './coverage.js';

export interface MapShape {
  /** The département's code: the path's id is `dep-<code>`. */
  code: string;
  /** The SVG path data, projected. */
  d: string;
  fill: string;
  /** The tooltip: « Loire-Atlantique (44) : 5,8/10 ». */
  tooltip: string;
  href?: string;
}

export interface MapDot {
  cx: number;
  cy: number;
  r: number;
  fill: string;
  tooltip: string;
}

/** A frame around an inset (overseas départements), with its name. */
export interface MapFrame {
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
}

export interface SvgMap {
  id: string;
  width: number;
  height: number;
  title: string;
  description: string;
  /** Short name for assistive technologies (aria-label). */
  label: string;
  shapes: MapShape[];
  /** Shapes drawn without fill under the dots (the département's outline on a commune map). */
  outlines?: { d: string }[];
  dots?: MapDot[];
  frames?: MapFrame[];
}

/** Text and attribute values escaped for XML. */
export const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

const round = (n: number) => (Math.round(n * 10) / 10).toString();

/** The SVG document (inline in a page, or served alone): well-formed XML, one path per shape. */
export function renderSvgMap(map: SvgMap): string {
  const id = escapeXml(map.id);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="${id}" class="ni-map" viewBox="0 0 ${map.width} ${map.height}" width="${map.width}" height="${map.height}" role="img" aria-label="${escapeXml(map.label)}" aria-describedby="${id}-desc" preserveAspectRatio="xMidYMid meet">`,
    `<title id="${id}-title">${escapeXml(map.title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(map.description)}</desc>`,
  ];
  for (const frame of map.frames ?? []) {
    parts.push(`<g class="ni-map__inset"><rect x="${round(frame.x)}" y="${round(frame.y)}" width="${round(frame.width)}" height="${round(frame.height)}" fill="none" stroke="#929292" stroke-width="0.5"/>`
      + `<text x="${round(frame.x + 3)}" y="${round(frame.y + frame.height - 3)}" font-size="8" fill="#3a3a3a">${escapeXml(frame.label)}</text></g>`);
  }
  parts.push('<g class="ni-map__shapes">');
  for (const shape of map.shapes) {
    parts.push(`<path id="dep-${escapeXml(shape.code)}" d="${escapeXml(shape.d)}" fill="${escapeXml(shape.fill)}" stroke="${OUTLINE}" stroke-width="0.5" stroke-linejoin="round"><title>${escapeXml(shape.tooltip)}</title></path>`);
  }
  parts.push('</g>');
  if (map.outlines?.length) {
    parts.push('<g class="ni-map__outline">');
    for (const outline of map.outlines) parts.push(`<path d="${escapeXml(outline.d)}" fill="#f6f6f6" stroke="${OUTLINE}" stroke-width="1" stroke-linejoin="round"/>`);
    parts.push('</g>');
  }
  if (map.dots?.length) {
    parts.push('<g class="ni-map__dots">');
    for (const dot of map.dots) {
      parts.push(`<circle cx="${round(dot.cx)}" cy="${round(dot.cy)}" r="${round(dot.r)}" fill="${escapeXml(dot.fill)}" stroke="${OUTLINE}" stroke-width="0.4" fill-opacity="0.9"><title>${escapeXml(dot.tooltip)}</title></circle>`);
    }
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * The mouse's links over the image: the same viewBox, each shape with a link reused by `<use>` (no path drawn twice),
 * transparent; aria-hidden and tabindex -1 (the table has the links). Empty when no shape has a link.
 */
export function renderMapLinks(map: SvgMap): string {
  const linked = map.shapes.filter((shape) => shape.href);
  if (linked.length === 0) return '';
  const links = linked.map((shape) => `<a href="${escapeXml(shape.href!)}" tabindex="-1"><use href="#dep-${escapeXml(shape.code)}" opacity="0"/></a>`);
  return [`<svg xmlns="http://www.w3.org/2000/svg" class="ni-map-links" viewBox="0 0 ${map.width} ${map.height}" aria-hidden="true" focusable="false" preserveAspectRatio="xMidYMid meet">`, ...links, '</svg>'].join('\n');
}

/** A dot's radius for a commune: its area proportional to the population, within [min, max]. */
export function dotRadius(population: number, largest: number, min = 1.2, max = 14): number {
  if (largest <= 0 || population <= 0) return min;
  return Math.min(max, Math.max(min, max * Math.sqrt(population / largest)));
}
