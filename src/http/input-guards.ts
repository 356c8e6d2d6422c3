import { parse as parseQueryString } from 'node:querystring';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderPage } from './page.js';

/**
 * Input PostgreSQL cannot store, or would store other than it was sent, is refused at the door with 400 and a French
 * message naming the field, before any handler runs:
 * - the NUL character (PostgreSQL text refuses it: an error, hence a 500) and lone UTF-16 surrogates (a JSON
 *   "\ud800" would be written as U+FFFD), in path parameters, the query string and every string of the body;
 * - bytes that are not UTF-8, in a JSON or form body, or percent-encoded in a query string or a form field (they
 *   would otherwise become U+FFFD, or stay as "%E8");
 * - JSON nested deeper than MAX_JSON_DEPTH (no request of the platform needs more than a few levels).
 */
export const MAX_JSON_DEPTH = 64;

export class InputRefusal extends Error {
  readonly statusCode = 400;
  constructor(
    message: string,
    readonly code = 'entree_invalide',
    readonly field?: string,
  ) {
    super(message);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');
const ESCAPE_RUNS = /(?:%[0-9A-Fa-f]{2})+/g;

type Source = 'params' | 'query' | 'body' | 'form';

/** A field name as it can be shown: control characters and broken surrogates replaced, kept short. */
const shown = (name: string) => {
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '?').replace(LONE_SURROGATES, '?');
  return clean.length > 60 ? `${clean.slice(0, 59)}…` : clean;
};

function where(source: Source, field: string): string {
  if (!field) return 'Le corps de la requête';
  return source === 'params' || source === 'query' ? `Le paramètre « ${shown(field)} » de l’adresse` : `Le champ « ${shown(field)} »`;
}

function refusalFor(value: string, source: Source, field: string): InputRefusal | null {
  if (value.includes('\u0000')) return new InputRefusal(`${where(source, field)} contient un caractère nul (U+0000), refusé : retirez-le et recommencez.`, 'entree_invalide', field);
  if (LONE_SURROGATE.test(value)) {
    return new InputRefusal(`${where(source, field)} contient un caractère Unicode incomplet (demi-paire de substitution), refusé : corrigez la saisie et recommencez.`, 'entree_invalide', field);
  }
  return null;
}

/** Every string of a value, its keys included, depth first; the body's depth is already bounded by the JSON parser. */
function checkStrings(value: unknown, source: Source, root: string): void {
  const pending: [unknown, string][] = [[value, root]];
  while (pending.length > 0) {
    const [current, path] = pending.pop()!;
    if (typeof current === 'string') {
      const refusal = refusalFor(current, source, path);
      if (refusal) throw refusal;
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) pending.push([current[i], path ? `${path}.${i}` : String(i)]);
    } else if (current !== null && typeof current === 'object' && !(current instanceof Uint8Array)) {
      const entries = Object.entries(current);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i]!;
        const at = path ? `${path}.${key}` : key;
        const refusal = refusalFor(key, source, at);
        if (refusal) throw refusal;
        pending.push([item, at]);
      }
    }
  }
}

/** The first percent-encoded sequence of `text` that is not UTF-8 ("%E8", "%C3", "%ED%A0%80"), if any. */
function invalidEscape(text: string): string | null {
  if (!text.includes('%')) return null;
  for (const run of text.matchAll(ESCAPE_RUNS)) {
    try {
      decodeURIComponent(run[0]);
    } catch {
      return run[0];
    }
  }
  return null;
}

/** Refuses a urlencoded string (query string or form body) whose escapes are not UTF-8; a stray "%" stays literal. */
function checkEscapes(encoded: string, source: Source): void {
  if (!encoded.includes('%')) return;
  for (const pair of encoded.split('&')) {
    const equals = pair.indexOf('=');
    const rawKey = equals < 0 ? pair : pair.slice(0, equals);
    const sequence = invalidEscape(rawKey) ?? invalidEscape(equals < 0 ? '' : pair.slice(equals + 1));
    if (sequence) {
      let key = rawKey.replace(/\+/g, ' ');
      try {
        key = decodeURIComponent(key);
      } catch {
        // The key itself is the broken part: shown as sent.
      }
      throw new InputRefusal(`${where(source, key)} n’est pas de l’UTF-8 valide (séquence « ${sequence.slice(0, 24)} ») : corrigez la saisie et recommencez.`, 'entree_invalide', key);
    }
  }
}

/** Form bodies (@fastify/formbody's parser): UTF-8 only, then the usual parsing. */
export function parseFormBody(body: string): Record<string, string | string[]> {
  // @fastify/formbody decodes the bytes with replacement: a U+FFFD here was an invalid byte (a browser sends
  // a typed U+FFFD percent-encoded, which stays accepted).
  if (body.includes('\uFFFD')) throw new InputRefusal('Le formulaire envoyé n’est pas de l’UTF-8 valide : rechargez la page et recommencez.');
  checkEscapes(body, 'form');
  return parseQueryString(body, '&', '=', { maxKeys: 0 }) as Record<string, string | string[]>;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** True when brackets outside strings nest deeper than `max`: counted before JSON.parse builds anything. */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Registers the guards: the JSON parser and the check of every request's strings. Call before any route. */
export function registerInputGuards(app: FastifyInstance): void {
  // Fastify's own parser (with its __proto__ and constructor protections) after a strict UTF-8 decoding.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    let text: string;
    try {
      text = strictUtf8.decode(body);
    } catch {
      throw new InputRefusal('Le corps de la requête n’est pas de l’UTF-8 valide : envoyez du JSON encodé en UTF-8.');
    }
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) throw new InputRefusal(`Le JSON envoyé est imbriqué sur plus de ${MAX_JSON_DEPTH} niveaux : aucune requête n’en demande autant.`);
    parseJson(request, text, (error, value) => {
      if (!error) return done(null, value);
      const empty = (error as { code?: string }).code === 'FST_ERR_CTP_EMPTY_JSON_BODY';
      done(new InputRefusal(empty ? 'Le corps de la requête est vide alors qu’il est annoncé en JSON.' : 'Le corps de la requête n’est pas du JSON valide.', 'requete_invalide'), undefined);
    });
  });

  app.addHook('preValidation', async (request) => {
    const question = request.url.indexOf('?');
    if (question >= 0) checkEscapes(request.url.slice(question + 1), 'query');
    checkStrings(request.params, 'params', '');
    checkStrings(request.query, 'query', '');
    checkStrings(request.body, request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? 'form' : 'body', '');
  });
}

/** The answer to a refused input: JSON for the API, the error page otherwise. */
export function sendInputRefusal(request: FastifyRequest, reply: FastifyReply, error: InputRefusal) {
  if (request.url.startsWith('/api/')) return reply.status(400).send({ error: error.code, message: error.message, ...(error.field ? { field: shown(error.field) } : {}) });
  return renderPage(request, reply, 'error.njk', { title: 'Saisie refusée', message: error.message }, 400);
}

/**
 * Fastify's `frameworkErrors`: a path whose percent-encoding is not UTF-8 ("/lieux/%E8") or whose parameter is too
 * long never reaches a route, nor its hooks (no session, no templates): a short French answer instead of English JSON.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const message =
    error.code === 'FST_ERR_BAD_URL' ? 'Cette adresse est mal encodée (un « % » qui n’introduit pas un caractère UTF-8) : vérifiez le lien et recommencez.'
    : error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'Cette adresse est trop longue : vérifiez le lien et recommencez.'
    : 'Une erreur inattendue est survenue. Rien n’a été modifié ; réessayez dans un instant.';
  const status = error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 400 : 500;
  if (request.url.startsWith('/api/')) return reply.status(status).send({ error: status === 400 ? 'entree_invalide' : 'erreur_interne', message });
  const page = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Adresse invalide</title></head><body><h1>Adresse invalide</h1><p>${message}</p><p><a href="/">Revenir à l’accueil</a></p></body></html>`;
  return reply.status(status).type('text/html; charset=utf-8').send(page);
}
