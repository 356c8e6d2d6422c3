import { mkdirSync, writeFileSync } from 'node:fs';
import { renderChangelog, renderReadme } from '../src/pilotage/domain/open-data.js';
import { fromRoot } from '../src/shared/paths.js';

// docs/opendata/ is rendered from src/pilotage/domain/open-data.ts (kept equal by test/unit/pilotage/open-data.test.ts).
mkdirSync(fromRoot('docs', 'opendata'), { recursive: true });
writeFileSync(fromRoot('docs', 'opendata', 'CHANGELOG.md'), renderChangelog());
writeFileSync(fromRoot('docs', 'opendata', 'README.md'), renderReadme());
