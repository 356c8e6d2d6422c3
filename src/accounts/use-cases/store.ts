import type { Kysely } from 'kysely';
import type { DB, Role } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../shared/errors.js';
import { KIND_ROLES, roleFitsKinds, type OrganisationKind } from '../domain/organisation-kinds.js';
import { canGrantRole, canManageMembers } from '../domain/policies.js';
import type { Principal } from '../domain/principal.js';
import { ROLE_LABELS, ROLES } from '../domain/roles.js';

/** The kind that allows a role (the first in KIND_ROLES). */
export function kindForRole(role: Role): OrganisationKind {
  return (Object.entries(KIND_ROLES) as [OrganisationKind, readonly Role[]][]).find(([, roles]) => roles.includes(role))![0];
}
import { hashPassword, hashToken, MIN_PASSWORD_LENGTH, newToken, verifyPassword } from './credentials.js';
import { checkTokenName, insertApiToken } from './api-tokens.js';
import { assertSignInAllowed, clearSignInFailures, dummyPasswordHash, recordSignInFailure } from './sign-in-throttle.js';
import { isValidSiret, normaliseSiret } from '../domain/siret.js';

export const SESSION_DAYS = 7;
export const INVITATION_DAYS = 14;

export interface NewOrganisation {
  name: string;
  siret?: string | null;
  departementCode?: string | null;
  /** What the organisation is (organisation-kinds.ts): decides the roles its members may hold. */
  kinds?: OrganisationKind[];
}

export async function createOrganisation(db: Kysely<DB>, input: NewOrganisation, actorUserId: number | null): Promise<number> {
  const siret = input.siret ? normaliseSiret(input.siret) : null;
  if (siret && !isValidSiret(siret)) throw invalid(`Le SIRET ${input.siret} n’est pas valide (clé de contrôle incorrecte).`, 'siret_invalide');
  if (!input.name.trim()) throw invalid('Le nom de l’organisation est obligatoire.');
  return db.transaction().execute(async (trx) => {
    if (siret) {
      const existing = await trx.selectFrom('organisations').select('id').where('siret', '=', siret).executeTakeFirst();
      if (existing) throw conflict(`Une organisation avec le SIRET ${siret} existe déjà.`, 'siret_existant');
    }
    const { id } = await trx
      .insertInto('organisations')
      .values({ name: input.name.trim(), siret, departement_code: input.departementCode ?? null, kinds: [...new Set(input.kinds ?? [])] })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actorUserId, organisationId: id, action: 'organisation.created', details: { name: input.name, siret, kinds: input.kinds ?? [] } });
    return id;
  });
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function assertPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw invalid(`Le mot de passe doit contenir au moins ${MIN_PASSWORD_LENGTH} caractères.`, 'mot_de_passe_court');
  }
}

export interface NewUser {
  email: string;
  displayName: string;
  password: string;
  organisationId: number;
  role: Role;
  isOrgAdmin?: boolean;
}

export async function createUser(db: Kysely<DB>, input: NewUser, actorUserId: number | null): Promise<number> {
  const email = normaliseEmail(input.email);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw invalid(`L’adresse e-mail « ${input.email} » n’est pas valide.`, 'email_invalide');
  assertPasswordStrength(input.password);
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    const organisation = await trx.selectFrom('organisations').select(['id', 'kinds']).where('id', '=', input.organisationId).forUpdate().executeTakeFirst();
    if (!organisation) throw notFound(`L’organisation ${input.organisationId} n’existe pas.`);
    if (!roleFitsKinds(input.role, organisation.kinds)) {
      // Only the system principal (command line, demo) creates accounts directly: it grants the kind the role
      // needs, journaled; nobody else reaches this function with a role the organisation cannot hold.
      if (actorUserId !== null) throw forbidden(`Le type de cette organisation ne permet pas le rôle « ${ROLE_LABELS[input.role]} ».`, 'role_non_permis');
      const kind = kindForRole(input.role);
      await trx.updateTable('organisations').set({ kinds: [...organisation.kinds, kind].sort() }).where('id', '=', organisation.id).execute();
      await recordAudit(trx, { actorUserId, organisationId: organisation.id, action: 'organisation.kind_granted', details: { kind, by: 'system' } });
    }
    const existing = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
    if (existing) throw conflict(`Un compte existe déjà pour ${email}.`, 'email_existant');
    const { id } = await trx
      .insertInto('users')
      .values({ email, display_name: input.displayName.trim() || email, password_hash: passwordHash })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('memberships')
      .values({ user_id: id, organisation_id: input.organisationId, role: input.role, is_org_admin: input.isOrgAdmin ?? false })
      .execute();
    await recordAudit(trx, { actorUserId, organisationId: input.organisationId, action: 'user.created', details: { email, role: input.role } });
    return id;
  });
}

/**
 * The account's id for a right password, null otherwise; refused (429) while the address typed is held back after
 * too many wrong passwords (sign-in-throttle.ts). An unknown address costs the same password check as a known one.
 */
export async function authenticate(db: Kysely<DB>, email: string, password: string): Promise<number | null> {
  const normalised = normaliseEmail(email);
  await assertSignInAllowed(db, normalised);
  const user = await db.selectFrom('users').select(['id', 'password_hash']).where('email', '=', normalised).executeTakeFirst();
  const valid = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), password);
  if (!valid || !user?.password_hash) {
    await recordSignInFailure(db, normalised);
    return null;
  }
  await clearSignInFailures(db, normalised);
  return user.id;
}

export async function createSession(db: Kysely<DB>, userId: number): Promise<string> {
  const { token, hash } = newToken('s');
  await db
    .insertInto('sessions')
    .values({ token_hash: hash, user_id: userId, expires_at: new Date(Date.now() + SESSION_DAYS * 86_400_000) })
    .execute();
  return token;
}

export async function userIdForSession(db: Kysely<DB>, token: string): Promise<number | null> {
  const row = await db
    .selectFrom('sessions')
    .select('user_id')
    .where('token_hash', '=', hashToken(token))
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return row?.user_id ?? null;
}

export async function deleteSession(db: Kysely<DB>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', hashToken(token)).execute();
}

export async function createApiToken(db: Kysely<DB>, email: string, name: string): Promise<string> {
  const user = await db.selectFrom('users').select('id').where('email', '=', normaliseEmail(email)).executeTakeFirst();
  if (!user) throw notFound(`Aucun compte pour ${email}.`);
  const created = await db.transaction().execute((trx) => insertApiToken(trx, user.id, checkTokenName(name)));
  return created.token;
}

export async function userIdForApiToken(db: Kysely<DB>, token: string): Promise<number | null> {
  const row = await db
    .selectFrom('api_tokens')
    .select('user_id')
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row?.user_id ?? null;
}

/**
 * An invitation into the organisation with a role: only by someone who manages its members, only into a role the
 * organisation's kinds allow (canGrantRole).
 */
export async function inviteColleague(
  db: Kysely<DB>,
  principal: Principal,
  input: { organisationId: number; email: string; role: Role },
): Promise<string> {
  const email = normaliseEmail(input.email);
  if (!(ROLES as string[]).includes(input.role)) throw invalid('Ce rôle n’existe pas.', 'role_inconnu');
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw invalid(`L’adresse e-mail « ${input.email} » n’est pas valide.`, 'email_invalide');
  const { token, hash } = newToken('inv');
  await db.transaction().execute(async (trx) => {
    const organisation = await trx.selectFrom('organisations').select(['id', 'kinds']).where('id', '=', input.organisationId).executeTakeFirst();
    if (!organisation || !canManageMembers(principal, organisation.id)) throw forbidden('Seul un administrateur de cette organisation peut inviter un collègue.');
    if (!canGrantRole(principal, organisation, input.role)) {
      throw forbidden(`Votre organisation ne peut pas donner le rôle « ${ROLE_LABELS[input.role]} » : son type ne le permet pas. Les rôles de financeur et de hub sont accordés par l’administration nationale.`, 'role_non_permis');
    }
    await trx
      .insertInto('invitations')
      .values({
        token_hash: hash,
        organisation_id: input.organisationId,
        email,
        role: input.role,
        invited_by: principal.userId,
        expires_at: new Date(Date.now() + INVITATION_DAYS * 86_400_000),
      })
      .execute();
    await recordAudit(trx, { actorUserId: principal.userId, organisationId: input.organisationId, action: 'invitation.created', details: { email, role: input.role } });
  });
  return token;
}

export async function findInvitation(db: Kysely<DB>, token: string) {
  return db
    .selectFrom('invitations')
    .innerJoin('organisations', 'organisations.id', 'invitations.organisation_id')
    .select(['invitations.token_hash', 'invitations.email', 'invitations.role', 'invitations.organisation_id', 'organisations.name as organisation_name'])
    .where('token_hash', '=', hashToken(token))
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
}

/** Accepting creates the account, or adds the membership to an existing account with the same e-mail. */
/**
 * Accepting creates the account; for an address that already has one, the person must be signed in as that
 * account (no password is checked here: the link must not become a way to try passwords).
 */
export async function acceptInvitation(db: Kysely<DB>, token: string, displayName: string, password: string, signedInUserId: number | null = null): Promise<number> {
  const invitation = await findInvitation(db, token);
  if (!invitation) throw notFound('Cette invitation n’existe pas, a expiré ou a déjà été utilisée.', 'invitation_invalide');
  const holder = await db.selectFrom('users').select('id').where('email', '=', invitation.email).executeTakeFirst();
  if (holder && holder.id !== signedInUserId) {
    throw forbidden('Un compte existe déjà pour cette adresse : connectez-vous avec ce compte, puis rouvrez ce lien pour accepter l’invitation.', 'connexion_requise');
  }
  if (!holder) assertPasswordStrength(password);
  const passwordHash = holder ? '' : await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('invitations')
      .set({ accepted_at: new Date() })
      .where('token_hash', '=', invitation.token_hash)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', new Date())
      .executeTakeFirst();
    if (claimed.numUpdatedRows === 0n) throw conflict('Cette invitation vient d’être utilisée ou révoquée.');
    // The organisation's kinds may have changed since the invitation was sent: the role must still fit.
    const organisation = await trx.selectFrom('organisations').select('kinds').where('id', '=', invitation.organisation_id).executeTakeFirstOrThrow();
    if (!roleFitsKinds(invitation.role, organisation.kinds)) throw forbidden('Le rôle de cette invitation n’est plus permis dans cette organisation : demandez une nouvelle invitation.', 'role_non_permis');
    const existing = await trx.selectFrom('users').select(['id', 'password_hash']).where('email', '=', invitation.email).executeTakeFirst();
    let userId: number;
    if (existing) {
      if (existing.id !== signedInUserId) throw forbidden('Connectez-vous avec le compte de cette adresse pour accepter l’invitation.', 'connexion_requise');
      userId = existing.id;
    } else {
      const inserted = await trx
        .insertInto('users')
        .values({ email: invitation.email, display_name: displayName.trim() || invitation.email, password_hash: passwordHash })
        .returning('id')
        .executeTakeFirstOrThrow();
      userId = inserted.id;
    }
    await trx
      .insertInto('memberships')
      .values({ user_id: userId, organisation_id: invitation.organisation_id, role: invitation.role })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await recordAudit(trx, { actorUserId: userId, organisationId: invitation.organisation_id, action: 'invitation.accepted', details: { email: invitation.email, role: invitation.role } });
    return userId;
  });
}

export async function listUsers(db: Kysely<DB>) {
  return db
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
    .select(['users.email', 'users.display_name', 'organisations.name as organisation', 'memberships.role', 'memberships.is_org_admin'])
    .orderBy('users.email')
    .orderBy('organisations.name')
    .execute();
}

export async function listOrganisationMembers(db: Kysely<DB>, organisationId: number) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.email', 'users.display_name', 'memberships.role', 'memberships.is_org_admin'])
    .where('memberships.organisation_id', '=', organisationId)
    .orderBy('users.email')
    .execute();
}

export async function listOrganisations(db: Kysely<DB>) {
  return db
    .selectFrom('organisations')
    .select(['id', 'name', 'siret', 'departement_code', 'kinds'])
    .orderBy('name')
    .execute();
}

export async function organisationsHavingRole(db: Kysely<DB>, role: Role) {
  return db
    .selectFrom('organisations')
    .select(['id', 'name'])
    .where('id', 'in', db.selectFrom('memberships').select('organisation_id').where('role', '=', role))
    .orderBy('name')
    .execute();
}
