import { renderPermissionsDoc } from '../src/http/permissions-doc.js';

process.stdout.write(renderPermissionsDoc());
