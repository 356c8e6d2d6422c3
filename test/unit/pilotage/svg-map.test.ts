import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { dotRadius, escapeXml, renderSvgMap } from '../../../src/pilotage/domain/svg-map.js';
import { departementMap, franceMap } from '../../../src/pilotage/use-cases/coverage-maps.js';
import type { CommuneCoverage, DepartementCoverage } from '../../../src/pilotage/use-cases/coverage.js';
import { franceGeometry } from '../../../src/pilotage/use-cases/map-geometry.js';
import { PALETTE } from '../../../src/pilotage/domain/coverage.js';

/** Well-formed XML, checked by Debian's xmllint (as the SEPA files are). */
const xmllint = (xml: string) => execFileSync('xmllint', ['--noout', '-'], { input: xml, stdio: ['pipe', 'pipe', 'pipe'] });

const departement = (code: string, ifn: number | null, gapScore: number): DepartementCoverage => ({
  code, name: `Département ${code} & co <test>`, communes: 1, population: 1000, ifn, ifnClass: 0, need: 100, unmetNeed: 10, places: 1, labelledPlaces: 1,
  placesAcceptingPass: 1, mediators: 1, placesPer10000: 10, labelledPer10000: 10, mediatorsPer10000: 10, farShare: 0, gapScore, gapClass: 0,
});

describe('SVG maps', () => {
  test('France: valid XML, one path per département of the outlines (overseas in insets), accessible attributes, escaped names', () => {
    const { paths } = franceGeometry();
    assert.equal(paths.size, 101);
    const rows = [...paths.keys()].map((code, i) => departement(code, (i % 11), i % 101));
    const { image: svg, links } = franceMap(rows, 'ifn');
    xmllint(svg);
    xmllint(links);
    assert.ok(!svg.includes('<a '), 'no link inside the image (its content is presentational)');
    assert.equal((links.match(/<use href="#dep-/g) ?? []).length, 101);
    assert.match(links, /^<svg [^>]*aria-hidden="true"/);
    assert.ok(!/<a (?![^>]*tabindex="-1")/.test(links), 'every link out of the keyboard order');
    const ids = [...svg.matchAll(/<path id="dep-([^"]+)"/g)].map((m) => m[1]);
    assert.equal(ids.length, 101);
    assert.equal(new Set(ids).size, 101);
    for (const code of ['2A', '2B', '971', '972', '973', '974', '976']) assert.ok(ids.includes(code), code);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" id="carte-france"[^>]* role="img" aria-label="Carte de France par département : indice de fragilité numérique \(IFN\)" aria-describedby="carte-france-desc"/);
    assert.match(svg, /<title id="carte-france-title">France par département/);
    assert.match(svg, /<desc id="carte-france-desc">[^<]*tableau/);
    assert.match(svg, /Département 01 &amp; co &lt;test&gt;/);
    // The fill of a département is its class colour: IFN 0 → class 1, IFN 10 → class 7.
    assert.match(svg, new RegExp(`<path id="dep-01" d="[^"]+" fill="${PALETTE[1]!.fill}"`));
    assert.match(svg, new RegExp(`<path id="dep-${[...paths.keys()][10]}" d="[^"]+" fill="${PALETTE[7]!.fill}"`));
    assert.ok(svg.length < 150_000, `small enough for a page: ${svg.length}`);
    // Rings turned as d3-geo wants: a département is a small shape, not the rest of the world around it.
    for (const code of ['44', '2A', '974']) {
      const xs = [...paths.get(code)!.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => Number(m[1]));
      assert.ok(Math.max(...xs) - Math.min(...xs) < 150, `${code}: ${Math.max(...xs) - Math.min(...xs)}`);
    }
  });

  test('a département: its outline and one dot per located commune, larger for more people', () => {
    const commune = (code: string, population: number, lat: number | null, lng: number | null): CommuneCoverage => ({
      code, name: `Commune ${code}`, departementCode: '44', population, lat, lng, ifn: 5, ifnClass: 4, need: 10, unmetNeed: 1, places: 0, labelledPlaces: 0, placesAcceptingPass: 0,
      mediators: 0, placesPer10000: 0, mediatorsPer10000: 0, nearestLabelledKm: 3, nearestPassKm: 3, gapScore: 10, gapClass: 1,
    });
    const { image: svg, links } = departementMap(departement('44', 5, 10), [commune('44109', 320_000, 47.2186, -1.5541), commune('44184', 48_000, 47.2181, -1.6513), commune('44999', 10, null, null)], 'ecart')!;
    assert.equal(links, '');
    xmllint(svg);
    assert.equal((svg.match(/<circle /g) ?? []).length, 2);
    assert.match(svg, /role="img"/);
    const radii = [...svg.matchAll(/<circle [^>]*r="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.ok(radii[0]! > radii[1]!, 'the largest commune drawn first, bigger');
    assert.equal(dotRadius(0, 100), 1.2);
    assert.equal(dotRadius(100, 100), 14);
  });

  test('the renderer escapes every text and attribute', () => {
    const svg = renderSvgMap({ id: 'x"y', width: 10, height: 10, title: 'a < b', description: '« d » & e', label: "l'étiquette", shapes: [{ code: '01', d: 'M0,0L1,1Z', fill: '#fff', tooltip: '<script>', href: '/a?b=1&c=2' }] });
    xmllint(svg);
    assert.ok(!svg.includes('<script>'));
    assert.equal(escapeXml(`<&>"'`), '&lt;&amp;&gt;&quot;&apos;');
  });
});
