/**
 * The dashboards' charts: small, accessible SVG drawn on the server, no JavaScript and no library. Each chart is an
 * image with a name and a description (`role="img"`, `<title>`, `<desc>`, aria-labelledby), its values written
 * beside the marks, and hatching as well as colour so that it reads in black and white; the data table that follows
 * every chart on the page is the accessible alternative. Pure: the caller gives the texts, already in French.
 */

/** One value of a chart: its label, its number (null when withheld or unknown) and the number as written. */
export interface ChartDatum {
  label: string;
  value: number | null;
  /** The value as the page writes it (« 1 234 », « 45 % », « < 5 »). */
  text: string;
}

export interface ChartOptions {
  /** Unique on the page: the ids of the title, description and pattern derive from it. */
  id: string;
  title: string;
  description: string;
}

/** The drawing's width in user units; the SVG scales to its container (width 100 %). */
export const CHART_WIDTH = 640;
export const BAR_HEIGHT = 22;
export const BAR_GAP = 10;
const LABEL_WIDTH = 220;
const VALUE_WIDTH = 90;
const PADDING = 8;
/** The longest label drawn; the table below the chart has the whole one. */
const MAX_LABEL = 30;

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** Text as SVG content or attribute: escaped, control characters dropped (XML 1.0 refuses them). */
export const escapeXml = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
const safeId = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '-');
const shorten = (label: string) => (label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1).trimEnd()}…` : label);
const round = (n: number) => Math.round(n * 100) / 100;

function frame(options: ChartOptions, height: number, body: string): string {
  const id = safeId(options.id);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="ni-chart" viewBox="0 0 ${CHART_WIDTH} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="${id}-titre ${id}-desc" focusable="false">` +
    `<title id="${id}-titre">${escapeXml(options.title)}</title>` +
    `<desc id="${id}-desc">${escapeXml(options.description)}</desc>` +
    `<defs><pattern id="${id}-hachures" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
    `<rect width="8" height="8" fill="#e3e3fd"/><line x1="0" y1="0" x2="0" y2="8" stroke="#000091" stroke-width="3"/></pattern>` +
    `<pattern id="${id}-masque" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#fff"/><circle cx="3" cy="3" r="1" fill="#666"/></pattern></defs>` +
    body +
    `</svg>`
  );
}

/** The largest value, or 1 when nothing is positive (no bar then, never a division by zero). */
const scaleMax = (data: readonly ChartDatum[]) => Math.max(1, ...data.map((d) => (d.value !== null && Number.isFinite(d.value) && d.value > 0 ? d.value : 0)));

/** A bar's length in user units: proportional to its value, 0 for a withheld, negative or missing one. */
export function barLength(value: number | null, max: number, plotWidth = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH - 2 * PADDING): number {
  if (value === null || !Number.isFinite(value) || value <= 0 || max <= 0) return 0;
  return round((Math.min(value, max) / max) * plotWidth);
}

/**
 * Horizontal bars (they keep their labels readable on a 360 px phone): one row per datum, the label on the left, the
 * bar hatched, its value written at its end; a withheld value has a dotted outline box and its text (« < 5 »).
 */
export function barChart(data: readonly ChartDatum[], options: ChartOptions): string {
  const id = safeId(options.id);
  const max = scaleMax(data);
  const plot = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH - 2 * PADDING;
  const height = Math.max(1, data.length) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP;
  const rows = data.map((d, i) => {
    const y = BAR_GAP + i * (BAR_HEIGHT + BAR_GAP);
    const length = barLength(d.value, max, plot);
    const x = PADDING + LABEL_WIDTH;
    const mark = d.value === null
      ? `<rect class="ni-chart__withheld" x="${x}" y="${y}" width="${round(plot / 12)}" height="${BAR_HEIGHT}" fill="url(#${id}-masque)" stroke="#666" stroke-dasharray="3 2"/>`
      : `<rect class="ni-chart__bar" x="${x}" y="${y}" width="${length}" height="${BAR_HEIGHT}" fill="url(#${id}-hachures)" stroke="#000091" data-value="${d.value}"/>`;
    const textX = x + (d.value === null ? round(plot / 12) : length) + 6;
    return (
      `<g><text x="${PADDING}" y="${y + BAR_HEIGHT / 2}" dominant-baseline="middle" font-size="13" fill="#161616">${escapeXml(shorten(d.label))}</text>` +
      mark +
      `<text x="${textX}" y="${y + BAR_HEIGHT / 2}" dominant-baseline="middle" font-size="13" font-weight="bold" fill="#161616">${escapeXml(d.text)}</text></g>`
    );
  });
  return frame(options, height, rows.join(''));
}

/**
 * A line over time (months): a point per datum with a square marker and its value above it, the months below; a
 * withheld value breaks the line (no point is invented) and shows its text at the baseline.
 */
export function lineChart(data: readonly ChartDatum[], options: ChartOptions): string {
  const height = 240;
  const top = 30;
  const bottom = height - 40;
  const left = PADDING + 10;
  const right = CHART_WIDTH - PADDING - 10;
  const max = scaleMax(data);
  const step = data.length > 1 ? (right - left) / (data.length - 1) : 0;
  const xOf = (i: number) => round(data.length > 1 ? left + i * step : (left + right) / 2);
  const yOf = (value: number) => round(bottom - (Math.max(0, Math.min(value, max)) / max) * (bottom - top));
  const segments: string[][] = [[]];
  data.forEach((d, i) => {
    if (d.value === null || !Number.isFinite(d.value)) segments.push([]);
    else segments[segments.length - 1]!.push(`${xOf(i)},${yOf(d.value)}`);
  });
  const lines = segments.filter((s) => s.length > 1).map((s) => `<polyline class="ni-chart__line" points="${s.join(' ')}" fill="none" stroke="#000091" stroke-width="2.5" stroke-dasharray="8 3"/>`);
  // Every other month is labelled when there are many, so that labels do not overlap.
  const every = data.length > 12 ? Math.ceil(data.length / 12) : 1;
  const points = data.map((d, i) => {
    const x = xOf(i);
    const label = i % every === 0 ? `<text x="${x}" y="${height - 14}" text-anchor="middle" font-size="11" fill="#161616">${escapeXml(shorten(d.label))}</text>` : '';
    if (d.value === null || !Number.isFinite(d.value)) return `<g>${label}<text x="${x}" y="${bottom - 4}" text-anchor="middle" font-size="10" fill="#666">${escapeXml(d.text)}</text></g>`;
    const y = yOf(d.value);
    return `<g>${label}<rect class="ni-chart__point" x="${x - 4}" y="${y - 4}" width="8" height="8" fill="#000091" data-value="${d.value}"/><text x="${x}" y="${y - 9}" text-anchor="middle" font-size="10" fill="#161616">${escapeXml(d.text)}</text></g>`;
  });
  const axis = `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#666" stroke-width="1"/>`;
  return frame(options, height, axis + lines.join('') + points.join(''));
}
