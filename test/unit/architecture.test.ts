import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fromRoot } from '../../src/shared/paths.js';

/**
 * The allowed dependencies of docs/ARCHITECTURE.md, restated: a new import that breaks them fails here.
 * - a context's domain/ is pure: other domains, the pure shared modules, database types only;
 * - use-cases/ never import http (neither the plumbing nor a context's pages);
 * - a context's http/ never imports another context's http/;
 * - the HTTP plumbing (src/http) knows only the accounts context (principal loading), the pure domains (permission
 *   tables for the route gate, formatting rules for templates) and the route maps (http/route-policies);
 * - contexts depend on each other one way, with the one named exception.
 */
const CONTEXTS = ['accounts', 'territories', 'places', 'pass', 'reimbursement', 'kit', 'pilotage', 'notifications'] as const;
type Context = (typeof CONTEXTS)[number];
const CONTEXT_DEPENDENCIES: Record<Context, Context[]> = {
  accounts: [],
  territories: [],
  places: ['accounts', 'territories'],
  pass: ['accounts', 'territories', 'places'],
  reimbursement: ['accounts', 'places', 'pass'],
  kit: ['accounts', 'territories', 'places', 'pass'],
  pilotage: ['accounts', 'territories', 'places', 'pass', 'reimbursement', 'kit'],
  notifications: ['accounts', 'places', 'pass', 'reimbursement', 'pilotage'],
};
/** The way back, kept narrow: progress measured by the kit shown on the booklet page and in the funder report. */
const EXCEPTIONS = new Set(['src/pass/use-cases/report.ts -> src/kit/use-cases/progress.ts', 'src/pass/http/pages.ts -> src/kit/use-cases/progress.ts']);
const PURE_SHARED = new Set(['src/shared/errors.ts', 'src/shared/dates.ts', 'src/shared/money.ts', 'src/shared/uuid.ts', 'src/shared/csv.ts', 'src/shared/luhn.ts']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const root = fromRoot();
const rel = (file: string) => path.relative(root, file).split(path.sep).join('/');
const where = (file: string): { context: Context | null; layer: string } => {
  const parts = file.split('/');
  const context = (CONTEXTS as readonly string[]).includes(parts[1]!) ? (parts[1] as Context) : null;
  return { context, layer: context ? parts[2]! : parts[1]!.replace(/\.ts$/, '') };
};

function imports(file: string): { target: string; typeOnly: boolean }[] {
  const text = fs.readFileSync(fromRoot(file), 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/g)].map((m) => ({
    typeOnly: Boolean(m[1]),
    target: path.posix.normalize(path.posix.join(path.posix.dirname(file), m[2]!)).replace(/\.js$/, '.ts'),
  }));
}

export function violations(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(fromRoot('src')).map(rel)) {
    const from = where(file);
    for (const { target, typeOnly } of imports(file)) {
      const to = where(target);
      const edge = `${file} -> ${target}`;
      if (EXCEPTIONS.has(edge)) continue;
      if (from.context && from.layer === 'domain') {
        const ok = (to.context && to.layer === 'domain') || PURE_SHARED.has(target) || (target === 'src/db/schema.ts' && typeOnly);
        if (!ok) found.push(`${edge} : un domain/ reste pur`);
      }
      if (from.context && from.layer === 'use-cases' && (to.layer === 'http' || (to.context && to.layer === 'http'))) found.push(`${edge} : un cas d’usage n’importe pas le HTTP`);
      if (from.context && from.layer === 'http' && to.context && to.context !== from.context && to.layer === 'http') found.push(`${edge} : pas de HTTP d’un autre contexte`);
      if (!from.context && from.layer === 'http' && to.context) {
        const ok = to.context === 'accounts' || to.layer === 'domain' || target.endsWith('/http/route-policies.ts');
        if (!ok) found.push(`${edge} : la plomberie HTTP ne connaît que les comptes, les domaines (règles pures, tables de permissions) et les routes`);
      }
      if (from.context && to.context && from.context !== to.context && !CONTEXT_DEPENDENCIES[from.context].includes(to.context)) {
        found.push(`${edge} : ${from.context} ne dépend pas de ${to.context}`);
      }
    }
  }
  return found;
}

test('every import respects the allowed dependencies of docs/ARCHITECTURE.md', () => {
  assert.deepEqual(violations(), []);
});

test('the check sees a violation (a domain file importing the database)', () => {
  const probe = fromRoot('src', 'places', 'domain', '__probe.ts');
  fs.writeFileSync(probe, "import { sql } from 'kysely';\nimport { recordAudit } from '../../shared/audit.js';\nexport const probe = [sql, recordAudit];\n");
  try {
    assert.deepEqual(violations(), ['src/places/domain/__probe.ts -> src/shared/audit.ts : un domain/ reste pur']);
  } finally {
    fs.rmSync(probe);
  }
});

test('tests mirror src/: each test file sits in the folder of the source folder it tests', () => {
  const sourceFolders = new Set(fs.readdirSync(fromRoot('src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name));
  const misplaced: string[] = [];
  for (const kind of ['unit', 'integration', 'e2e']) {
    for (const file of sourceFiles(fromRoot('test', kind)).map(rel)) {
      const parts = file.split('/');
      // test/<kind>/<src folder>/<name>.test.ts; cross-cutting rules (architecture) may sit at the kind's root.
      const ok = (parts.length === 4 && sourceFolders.has(parts[2]!)) || (parts.length === 3 && kind === 'unit' && parts[2] === 'architecture.test.ts');
      if (!ok) misplaced.push(file);
    }
  }
  assert.deepEqual(misplaced, []);
});
