import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import type { Mailer } from '../../shared/mailer.js';
import { countHit } from '../../shared/rate-limit.js';
import { invalid, tooMany } from '../../shared/errors.js';
import { hashPassword, hashToken, newToken } from './credentials.js';
import { assertPasswordStrength, normaliseEmail } from './store.js';
import { clearSignInFailures } from './sign-in-throttle.js';
import { revokeAllApiTokens } from './api-tokens.js';

export const RESET_MINUTES = 60;
const RESETS_PER_HOUR = 3;

/**
 * Sends a single-use link valid one hour to the account's address. The answer is the same whether or not the
 * address has an account; at most three requests an hour per address (and the route limits per client).
 */
export async function requestPasswordReset(db: Kysely<DB>, mailer: Mailer, publicUrl: string, emailInput: string): Promise<void> {
  const email = normaliseEmail(emailInput);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw invalid(`L’adresse e-mail « ${emailInput} » n’est pas valide.`, 'email_invalide');
  const { current } = await countHit(db, `password-reset|${email}`, 3_600_000);
  if (current > RESETS_PER_HOUR) throw tooMany('Trop de demandes pour cette adresse : patientez une heure avant de réessayer.');
  const user = await db.selectFrom('users').select(['id', 'email']).where('email', '=', email).executeTakeFirst();
  if (!user) return;
  const { token, hash } = newToken('mdp');
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('password_resets').values({ token_hash: hash, user_id: user.id, expires_at: new Date(Date.now() + RESET_MINUTES * 60_000) }).execute();
    await recordAudit(trx, { actorUserId: null, action: 'password_reset.requested', details: { userId: user.id } });
  });
  await mailer.send({
    to: [user.email],
    subject: 'Choisir un nouveau mot de passe',
    text: `Bonjour,\n\nUne demande de nouveau mot de passe a été faite pour votre compte. Pour en choisir un, ouvrez ce lien dans l’heure :\n${publicUrl}/mot-de-passe/${token}\n\nLe lien ne sert qu’une fois. Si vous n’avez rien demandé, ignorez ce message : votre mot de passe actuel reste valable.`,
  });
}

export async function findPasswordReset(db: Kysely<DB>, token: string) {
  return db
    .selectFrom('password_resets as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['r.token_hash', 'r.user_id', 'u.email'])
    .where('r.token_hash', '=', hashToken(token))
    .where('r.used_at', 'is', null)
    .where('r.expires_at', '>', new Date())
    .executeTakeFirst();
}

export const resetLinkInvalid = () => invalid('Ce lien n’est plus valable (déjà utilisé ou plus d’une heure) : demandez-en un nouveau.', 'lien_invalide');

/**
 * Uses the link once: new password, every other reset link, every session and every API token of the account end
 * (someone who knew the old password may have made a token). Returns the revoked tokens' hashes for the cache.
 */
export async function resetPassword(db: Kysely<DB>, token: string, password: string): Promise<{ userId: number; revokedTokenHashes: string[] }> {
  assertPasswordStrength(password);
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable('password_resets')
      .set({ used_at: new Date() })
      .where('token_hash', '=', hashToken(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning('user_id')
      .executeTakeFirst();
    if (!used) throw resetLinkInvalid();
    await trx.updateTable('password_resets').set({ used_at: new Date() }).where('user_id', '=', used.user_id).where('used_at', 'is', null).execute();
    await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', used.user_id).execute();
    await trx.deleteFrom('sessions').where('user_id', '=', used.user_id).execute();
    const revokedTokenHashes = await revokeAllApiTokens(trx, used.user_id, 'nouveau mot de passe');
    await recordAudit(trx, { actorUserId: used.user_id, action: 'password_reset.used', details: {} });
    const user = await trx.selectFrom('users').select('email').where('id', '=', used.user_id).executeTakeFirstOrThrow();
    // The new password is known to its owner only: the back-off of earlier wrong attempts no longer applies.
    await clearSignInFailures(trx, user.email);
    return { userId: used.user_id, revokedTokenHashes };
  });
}
