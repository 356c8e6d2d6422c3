import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
}
interface Document {
  openapi: string;
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, { description?: string }> };
}

/** Routes of /api/v1 that are plumbing, not operations: left out of the document on purpose. */
const NOT_OPERATIONS = new Set(['GET /api/v1/health', 'GET /api/v1/openapi.json']);

describe(`the OpenAPI document on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  let doc: Document;
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation })));

  before(async () => {
    platform = await openTestPlatform();
    app = await buildApp(platform);
    const response = await app.inject({ url: '/api/v1/openapi.json' });
    assert.equal(response.statusCode, 200);
    doc = response.json();
  });
  after(async () => {
    await app.close();
    await platform.dispose();
  });

  test('it lists every API operation and no page', () => {
    assert.equal(doc.openapi, '3.1.0');
    const pages = Object.keys(doc.paths).filter((path) => !path.startsWith('/api/v1/'));
    assert.deepEqual(pages, [], 'pages dans le document OpenAPI');
    const documented = new Set(operations().map(({ key }) => key.replace(/\{([^}]+)\}/g, ':$1')));
    const apiRoutes = app.registeredRoutes.filter((r) => r.url.startsWith('/api/v1/')).map((r) => `${r.method} ${r.url}`).filter((key) => !NOT_OPERATIONS.has(key));
    assert.deepEqual(apiRoutes.filter((key) => !documented.has(key)), [], 'routes de l’API absentes du document');
    assert.ok(documented.size >= 60, `${documented.size} opérations seulement`);
  });

  test('every operation has a French summary and description and the tags of its context, each tag described', () => {
    const tags = new Map((doc.tags ?? []).map((t) => [t.name, t.description ?? '']));
    for (const [name, description] of tags) assert.ok(description.length > 20, `étiquette « ${name} » sans description`);
    const problems: string[] = [];
    for (const { key, operation } of operations()) {
      if (!operation.summary?.trim()) problems.push(`${key} : pas de résumé (summary)`);
      if (!operation.description?.trim()) problems.push(`${key} : pas de description`);
      else if (operation.description.trim() === operation.summary?.trim()) problems.push(`${key} : la description répète le résumé`);
      // French text: accents or French words, never a bare English sentence.
      if (operation.summary && !/[éèêàùçôîû’]|\b(le|la|les|un|une|des|du|de|d’|mon|mes|ses|un)\b/i.test(`${operation.summary} ${operation.description}`)) problems.push(`${key} : résumé qui ne semble pas en français`);
      if (!operation.tags?.length) problems.push(`${key} : pas d’étiquette (tags)`);
      for (const tag of operation.tags ?? []) if (!tags.has(tag)) problems.push(`${key} : étiquette « ${tag} » non déclarée`);
    }
    assert.deepEqual(problems, []);
  });

  test('every operation documents its successful answer with a schema, and its refusals with the shared French error schema', () => {
    const error = doc.components?.schemas?.Erreur;
    assert.ok(error?.description && /français/.test(error.description), 'schéma partagé « Erreur » décrit en français');
    const problems: string[] = [];
    for (const { key, operation } of operations()) {
      const responses = Object.entries(operation.responses ?? {});
      const success = responses.filter(([status]) => /^2\d\d$/.test(status));
      if (success.length === 0) problems.push(`${key} : pas de réponse 2xx`);
      for (const [status, response] of success) {
        if (response.description === 'Default Response') problems.push(`${key} ${status} : réponse sans description`);
        if (status === '204') continue;
        const schemas = Object.values(response.content ?? {}).map((media) => media.schema);
        if (schemas.length === 0 || schemas.some((schema) => !schema || Object.keys(schema).length === 0)) problems.push(`${key} ${status} : pas de schéma de réponse`);
      }
      // Open without a token: `security: []`, or an empty requirement among the alternatives.
      const open = operation.security !== undefined && (operation.security.length === 0 || operation.security.some((s) => Object.keys(s as object).length === 0));
      if (!open) for (const status of ['401', '403']) if (!operation.responses?.[status]) problems.push(`${key} : refus ${status} non documenté`);
      for (const [status, response] of responses.filter(([s]) => /^4\d\d$/.test(s))) {
        const schema = response.content?.['application/json']?.schema;
        if (!schema) problems.push(`${key} ${status} : refus sans schéma`);
        else if (schema.$ref !== '#/components/schemas/Erreur' && !(key === 'POST /api/v1/places/import' && status === '422')) problems.push(`${key} ${status} : refus sans le schéma partagé Erreur`);
        if (!response.description || response.description === 'Default Response') problems.push(`${key} ${status} : refus sans description`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('what the schemas promise is what the API answers (a public search and an error)', async () => {
    const communes = await app.inject({ url: '/api/v1/communes?q=Nantes' });
    assert.equal(communes.statusCode, 200);
    const refused = await app.inject({ url: '/api/v1/orders' });
    assert.equal(refused.statusCode, 401);
    assert.deepEqual(Object.keys(refused.json()).sort(), ['error', 'message']);
    assert.match(refused.json().message, /Authentification requise/);
  });
});
