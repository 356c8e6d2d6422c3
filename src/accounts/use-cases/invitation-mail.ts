import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Mailer } from '../../shared/mailer.js';
import type { Principal } from '../domain/principal.js';
import { ROLE_LABELS } from '../domain/roles.js';
import { findInvitation } from './store.js';

/** Sends the invitation link to the invited address; returns the link (shown to the inviter as a fallback). */
export async function sendInvitation(db: Kysely<DB>, mailer: Mailer, publicUrl: string, token: string, inviter: Principal): Promise<string> {
  const invitation = (await findInvitation(db, token))!;
  const url = `${publicUrl}/invitation/${token}`;
  await mailer.send({
    to: [invitation.email],
    subject: `Invitation à rejoindre ${invitation.organisation_name}`,
    text: `Bonjour,\n\n${inviter.displayName} vous invite à rejoindre ${invitation.organisation_name} sur la plateforme Numérique inclusif, avec le rôle « ${ROLE_LABELS[invitation.role]} ».\n\nPour accepter, ouvrez ce lien (valable 14 jours, une seule fois) :\n${url}\n\nSi vous ne connaissez pas cette personne, ignorez ce message.`,
  });
  return url;
}
