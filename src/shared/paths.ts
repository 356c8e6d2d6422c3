import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json introuvable');
    dir = parent;
  }
  return dir;
}

/** The same files are used from `src/` (tests, tsx) and from `dist/src/` (npm start), so resolve from the package root. */
export const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));
export const fromRoot = (...segments: string[]): string => path.join(projectRoot, ...segments);
