import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { haversineKm, projectedBoxes, projectedPoint } from '../../../src/places/domain/geo.js';

test('the rectangles of a search hold every place within its radius (property, metropolitan France and overseas)', () => {
  const inside = (box: { xMin: number; xMax: number; yMin: number; yMax: number }, p: { x: number; y: number }) => p.x >= box.xMin && p.x <= box.xMax && p.y >= box.yMin && p.y <= box.yMax;
  fc.assert(
    fc.property(
      fc.oneof(
        fc.record({ lat: fc.double({ min: 41, max: 51.5, noNaN: true }), lon: fc.double({ min: -5.5, max: 9.8, noNaN: true }) }),
        fc.record({ lat: fc.double({ min: -25, max: 20, noNaN: true }), lon: fc.double({ min: -65, max: 60, noNaN: true }) }),
        fc.record({ lat: fc.double({ min: 30, max: 40, noNaN: true }), lon: fc.double({ min: -70, max: 70, noNaN: true }) }),
      ),
      fc.double({ min: 0.1, max: 200, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
      (origin, radiusKm, fraction, bearing) => {
        // A point at a distance below the radius, in any direction (a destination on the sphere).
        const R = 6371.0088;
        const d = (radiusKm * fraction) / R;
        const phi1 = (origin.lat * Math.PI) / 180;
        const lambda1 = (origin.lon * Math.PI) / 180;
        const phi2 = Math.asin(Math.sin(phi1) * Math.cos(d) + Math.cos(phi1) * Math.sin(d) * Math.cos(bearing));
        const lambda2 = lambda1 + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(phi1), Math.cos(d) - Math.sin(phi1) * Math.sin(phi2));
        const point = { lat: (phi2 * 180) / Math.PI, lon: (lambda2 * 180) / Math.PI };
        if (haversineKm(origin, point) > radiusKm) return;
        const boxes = projectedBoxes(origin, radiusKm);
        assert.ok(boxes, 'France is far from the poles and the antimeridian');
        assert.ok(boxes.some((box) => inside(box, projectedPoint(point.lat, point.lon))), JSON.stringify({ origin, radiusKm, point }));
      },
    ),
    { numRuns: 2000 },
  );
  assert.equal(projectedBoxes({ lat: 89.9, lon: 0 }, 50), null);
  assert.equal(projectedBoxes({ lat: -17, lon: 179.9 }, 50), null);
});
