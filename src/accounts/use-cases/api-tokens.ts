import type { Kysely, Transaction } from 'kysely';
import type pg from 'pg';
import type { DB } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { invalid, notFound } from '../../shared/errors.js';
import { API_TOKEN_NAME_MAX, canManageApiToken, requireApiTokenManager } from '../domain/policies.js';
import type { Principal } from '../domain/principal.js';
import { newToken } from './credentials.js';

/**
 * A person's API tokens: created from their page (or `inclusif tokens create`), shown once, then only by their
 * first characters; only the SHA-256 is stored. Nobody sees or revokes another person's tokens: a token of someone
 * else is « introuvable », exactly like a token that does not exist. Every creation and revocation is journaled.
 */
export interface ApiTokenView {
  id: number;
  name: string;
  /** The first characters of the token, null for a token created before they were kept. */
  prefix: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** How many characters of a token are kept and shown (« ni_ » and 7 random ones out of 32). */
export const TOKEN_PREFIX_LENGTH = 10;

/** Inserts a token for the user, journaled, inside the caller's transaction. */
export async function insertApiToken(trx: Transaction<DB>, userId: number, name: string): Promise<{ id: number; token: string; prefix: string }> {
  const { token, hash } = newToken('ni');
  const prefix = token.slice(0, TOKEN_PREFIX_LENGTH);
  const { id } = await trx.insertInto('api_tokens').values({ user_id: userId, name, token_hash: hash, token_prefix: prefix }).returning('id').executeTakeFirstOrThrow();
  await recordAudit(trx, { actorUserId: userId, action: 'api_token.created', details: { tokenId: Number(id), name, prefix } });
  return { id: Number(id), token, prefix };
}

export function checkTokenName(raw: string): string {
  const name = raw.trim().replace(/\s+/g, ' ');
  if (!name) throw invalid('Donnez un nom au jeton (par exemple le logiciel ou le poste qui l’utilisera).', 'nom_requis', { field: 'nom' });
  if (name.length > API_TOKEN_NAME_MAX) throw invalid(`Le nom du jeton fait au plus ${API_TOKEN_NAME_MAX} caractères.`, 'nom_trop_long', { field: 'nom' });
  return name;
}

/** A new token for the acting person: the token itself is returned once and never again. */
export async function createOwnApiToken(db: Kysely<DB>, principal: Principal, rawName: string) {
  requireApiTokenManager(principal);
  const name = checkTokenName(rawName);
  return db.transaction().execute((trx) => insertApiToken(trx, principal.userId, name));
}

const VIEW = ['id', 'name', 'token_prefix', 'created_at', 'last_used_at', 'revoked_at'] as const;
type Row = { id: number; name: string; token_prefix: string | null; created_at: Date; last_used_at: Date | null; revoked_at: Date | null };
const toView = (row: Row): ApiTokenView => ({ id: Number(row.id), name: row.name, prefix: row.token_prefix, createdAt: row.created_at, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at });

/** The acting person's tokens, newest first (revoked ones too, marked). */
export async function ownApiTokens(db: Kysely<DB>, principal: Principal): Promise<ApiTokenView[]> {
  requireApiTokenManager(principal);
  const rows = await db.selectFrom('api_tokens').select(VIEW).where('user_id', '=', principal.userId).orderBy('id', 'desc').execute();
  return rows.map(toView);
}

const unknownToken = () => notFound('Ce jeton n’existe pas ou n’est pas l’un des vôtres.', 'jeton_introuvable');

/** One of the acting person's tokens; someone else's is not found. */
export async function ownApiToken(db: Kysely<DB>, principal: Principal, tokenId: number): Promise<ApiTokenView> {
  requireApiTokenManager(principal);
  const row = await db.selectFrom('api_tokens').select([...VIEW, 'user_id']).where('id', '=', tokenId).executeTakeFirst();
  if (!row || !canManageApiToken(principal, { userId: Number(row.user_id) })) throw unknownToken();
  return toView(row);
}

/** Revokes one of the acting person's tokens; returns its hash, so that the caller drops it from its cache. */
export async function revokeOwnApiToken(db: Kysely<DB>, principal: Principal, tokenId: number): Promise<{ tokenHash: string; name: string }> {
  requireApiTokenManager(principal);
  return db.transaction().execute(async (trx) => {
    const token = await trx.selectFrom('api_tokens').select(['user_id', 'revoked_at', 'name']).where('id', '=', tokenId).forUpdate().executeTakeFirst();
    if (!token || !canManageApiToken(principal, { userId: Number(token.user_id) })) throw unknownToken();
    if (token.revoked_at !== null) throw notFound('Ce jeton est déjà révoqué.', 'jeton_deja_revoque');
    const revoked = await trx.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', tokenId).returning(['token_hash', 'name']).executeTakeFirstOrThrow();
    await recordAudit(trx, { actorUserId: principal.userId, action: 'api_token.revoked', details: { tokenId, name: revoked.name } });
    return { tokenHash: revoked.token_hash, name: revoked.name };
  });
}

/** Every live token of a user, revoked in the caller's transaction (new password): their hashes, for the cache. */
export async function revokeAllApiTokens(trx: Transaction<DB>, userId: number, reason: string): Promise<string[]> {
  const revoked = await trx.updateTable('api_tokens').set({ revoked_at: new Date() }).where('user_id', '=', userId).where('revoked_at', 'is', null).returning(['id', 'token_hash']).execute();
  if (revoked.length) await recordAudit(trx, { actorUserId: userId, action: 'api_token.revoked_all', details: { reason, tokenIds: revoked.map((t) => Number(t.id)) } });
  return revoked.map((t) => t.token_hash);
}

/**
 * Notes that a token was used: at most one write a minute per token, and only when the principal is loaded from the
 * database (the token cache spares the others), so the API's hot path pays nothing more.
 */
export async function recordApiTokenUse(pool: pg.Pool, tokenHash: string): Promise<void> {
  await pool.query("update api_tokens set last_used_at = now() where token_hash = $1 and revoked_at is null and (last_used_at is null or last_used_at < now() - interval '1 minute')", [tokenHash]);
}
