import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { DB } from '../db/schema.js';

/** Host names that only mean « this machine »: an address printed with one of them leads nowhere for anyone else. */
const LOCAL_HOST = /^(localhost|.*\.localhost|127(\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\])$/i;

/** Whether documents made with this address would point at this machine (PUBLIC_URL unset, or localhost). */
export function isLocalPublicUrl(publicUrl: string): boolean {
  try {
    return LOCAL_HOST.test(new URL(publicUrl).hostname);
  } catch {
    return true;
  }
}

/**
 * The warning for an operator whose documents would print `http://localhost…`: the booklets' QR codes and addresses
 * (cover, vouchers), the e-mails' links. Null when PUBLIC_URL is a real address. Said at start-up outside the demo
 * (`serve`) and before printing booklets (`booklets print`).
 */
export function publicUrlWarning(config: Pick<Config, 'publicUrl'>): string | null {
  if (!isLocalPublicUrl(config.publicUrl)) return null;
  return [
    `Attention : PUBLIC_URL n’est pas définie ou désigne cette machine (${config.publicUrl}).`,
    'Les QR codes et les adresses imprimés sur les carnets, et les liens des courriels, mèneraient à cette adresse, injoignable pour les bénéficiaires et les lieux.',
    'Définissez PUBLIC_URL=https://… (l’adresse publique de la plateforme) avant d’imprimer des carnets ou d’envoyer des courriels.',
  ].join('\n');
}

/**
 * What `serve` says at start-up: nothing in the demo (just loaded, or its accounts still there), where localhost is
 * the point; the warning above anywhere else when PUBLIC_URL is missing.
 */
export async function startupPublicUrlWarning(db: Kysely<DB>, config: Pick<Config, 'publicUrl'>, demoJustLoaded: boolean): Promise<string | null> {
  const warning = publicUrlWarning(config);
  if (!warning || demoJustLoaded) return null;
  const demoAccount = await db.selectFrom('users').select('id').where('email', 'like', '%@demo.inclusif.fr').limit(1).executeTakeFirst();
  return demoAccount ? null : warning;
}
