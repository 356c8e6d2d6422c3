import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { create } from 'xmlbuilder2';
import { BAR_GAP, BAR_HEIGHT, barChart, barLength, CHART_WIDTH, lineChart, type ChartDatum } from '../../../src/pilotage/domain/charts.js';

/** Parses the SVG as XML (throws when it is not well-formed) and returns its tags. */
function parse(svg: string): void {
  create(svg);
}
const attributes = (svg: string, tag: string, cls: string) =>
  [...svg.matchAll(new RegExp(`<${tag} class="${cls}"([^>]*)>`, 'g'))].map(([, attrs]) => Object.fromEntries([...attrs!.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, k, v]) => [k!, v!])));

const datum = fc.record({
  label: fc.string({ maxLength: 40 }),
  value: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: null }),
  text: fc.string({ maxLength: 12 }),
});
const options = { id: 'essai', title: 'Chèques encaissés par département', description: 'Loire-Atlantique 12 ; Vendée < 5.' };

describe('charts: accessible server-rendered SVG', () => {
  test('a bar chart is well-formed SVG, an image named by its title and described by its description', () => {
    const svg = barChart([{ label: 'Loire-Atlantique (44)', value: 12, text: '12' }, { label: 'Vendée (85)', value: null, text: '< 5' }], options);
    parse(svg);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* role="img" aria-labelledby="essai-titre essai-desc"/);
    assert.match(svg, /<title id="essai-titre">Chèques encaissés par département<\/title><desc id="essai-desc">Loire-Atlantique 12 ; Vendée &lt; 5\.<\/desc>/);
    // Hatching, not only colour: the bars are filled with a pattern; a withheld value is a dotted box with its text.
    assert.match(svg, /<pattern id="essai-hachures"/);
    assert.equal(attributes(svg, 'rect', 'ni-chart__bar')[0]!.fill, 'url(#essai-hachures)');
    assert.equal(attributes(svg, 'rect', 'ni-chart__withheld').length, 1);
    assert.match(svg, />&lt; 5<\/text>/);
  });

  test('bars are proportional to their values, the largest fills the plot, withheld and zero values draw no bar (property)', () => {
    fc.assert(
      fc.property(fc.array(datum, { minLength: 1, maxLength: 30 }), (data) => {
        const svg = barChart(data, options);
        parse(svg);
        const bars = attributes(svg, 'rect', 'ni-chart__bar');
        const shown = data.filter((d) => d.value !== null);
        assert.equal(bars.length, shown.length);
        assert.equal(attributes(svg, 'rect', 'ni-chart__withheld').length, data.length - shown.length);
        const max = Math.max(1, ...shown.map((d) => d.value!));
        const plot = Math.max(...data.map((d) => barLength(d.value === null ? null : max, max)));
        bars.forEach((bar, i) => {
          const value = shown[i]!.value!;
          assert.equal(Number(bar['data-value']), value);
          assert.ok(Math.abs(Number(bar.width) - (value / max) * plot) <= 0.01, `barre ${i} : ${bar.width} pour ${value}/${max}`);
        });
        assert.match(svg, new RegExp(`viewBox="0 0 ${CHART_WIDTH} ${data.length * (BAR_HEIGHT + BAR_GAP) + BAR_GAP}"`));
      }),
      { numRuns: 150 },
    );
  });

  test('any label or text is escaped: the SVG stays well-formed and shows it as text (property)', () => {
    fc.assert(
      fc.property(fc.array(datum, { maxLength: 10 }), fc.string(), (data, title) => {
        parse(barChart(data, { ...options, title }));
        parse(lineChart(data, { ...options, description: title }));
      }),
      { numRuns: 150 },
    );
    const svg = barChart([{ label: '<script>alert("x")</script>', value: 3, text: '3' }], options);
    assert.doesNotMatch(svg, /<script/);
    assert.match(svg, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
  });

  test('a line chart places one point per known value, higher for a larger value, and breaks at a withheld one (property)', () => {
    fc.assert(
      fc.property(fc.array(datum, { minLength: 1, maxLength: 24 }), (data: ChartDatum[]) => {
        const svg = lineChart(data, options);
        parse(svg);
        assert.match(svg, /role="img" aria-labelledby="essai-titre essai-desc"/);
        const points = attributes(svg, 'rect', 'ni-chart__point');
        const known = data.filter((d) => d.value !== null);
        assert.equal(points.length, known.length);
        // The plot runs from y = 200 (zero) up to y = 30 (the largest value); the marker is centred on its point.
        const max = Math.max(1, ...known.map((d) => d.value!));
        points.forEach((point, i) => {
          const expected = 200 - (known[i]!.value! / max) * 170;
          assert.ok(Math.abs(Number(point.y) + 4 - expected) <= 0.01, `point ${i} : ${point.y} pour ${known[i]!.value}/${max}`);
          if (i > 0) assert.ok(Number(point.x) > Number(points[i - 1]!.x), 'months from left to right');
        });
        // No segment crosses a withheld month: each polyline joins consecutive known values only.
        const segments = [...svg.matchAll(/<polyline class="ni-chart__line" points="([^"]*)"/g)].map(([, p]) => p!.split(' ').length);
        assert.equal(segments.reduce((s, n) => s + n, 0) <= known.length, true);
      }),
      { numRuns: 150 },
    );
  });

  test('a bar length is 0 without a positive value and never passes the plot', () => {
    assert.equal(barLength(null, 10), 0);
    assert.equal(barLength(-3, 10), 0);
    assert.equal(barLength(5, 0), 0);
    assert.equal(barLength(20, 10, 300), 300);
    assert.equal(barLength(5, 10, 300), 150);
  });
});
