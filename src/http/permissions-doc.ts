import { renderPermissionTable } from '../accounts/domain/permissions.js';
import { ALL_ROUTES, PERMISSION_SECTIONS } from './route-table.js';

/** docs/PERMISSIONS.md, rendered from the permission tables and the route maps (a test keeps the file equal). */
export function renderPermissionsDoc(): string {
  const intro = [
    '# Permissions',
    '',
    'Ce document est produit à partir du code (`src/*/domain/policies.ts`, `src/*/http/route-policies.ts`) :',
    '`npx tsx scripts/permissions-doc.ts > docs/PERMISSIONS.md` le régénère, et un test échoue s’il diffère du code.',
    '',
    'Chaque action a une ligne ; chaque colonne est un type d’acteur. « oui » : partout ; « sa structure » : pour les',
    'ressources de l’organisation où la personne a ce rôle ; « son territoire » : pour les ressources situées dans les',
    'départements du hub ; « — » : jamais. Une route dont l’acteur n’a aucune portée est refusée avant son traitement',
    '(401 ou page de connexion sans compte, 403 sinon) ; les conditions plus fines sont vérifiées par les cas d’usage.',
    '',
  ].join('\n');
  const sections = PERMISSION_SECTIONS.map((s) => renderPermissionTable(s.title, s.table)).join('\n');
  const routes = Object.entries(ALL_ROUTES)
    .sort(([a], [b]) => a.split(' ')[1]!.localeCompare(b.split(' ')[1]!) || a.localeCompare(b))
    .map(([route, action]) => `| \`${route}\` | \`${action}\` |`);
  return `${intro}\n${sections}\n## Routes\n\n| route | action |\n| --- | --- |\n${routes.join('\n')}\n`;
}
