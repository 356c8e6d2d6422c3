import { sql, type Kysely } from 'kysely';
import type { DB, Role } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../shared/errors.js';
import { isOrganisationKind, KIND_LABELS, roleFitsKindsSql, type OrganisationKind } from '../domain/organisation-kinds.js';
import { canGrantKinds, canGrantRole, canManageMembers } from '../domain/policies.js';
import type { Principal } from '../domain/principal.js';
import { ROLE_LABELS } from '../domain/roles.js';

const requireMembersManager = (principal: Principal, organisationId: number) => {
  if (!canManageMembers(principal, organisationId)) throw forbidden('Seul un administrateur de cette organisation gère ses membres.');
};

async function organisationFacts(db: Kysely<DB>, organisationId: number) {
  const organisation = await db.selectFrom('organisations').select(['id', 'name', 'kinds', 'departement_code']).where('id', '=', organisationId).executeTakeFirst();
  if (!organisation) throw notFound('Cette organisation n’existe pas.');
  return organisation;
}

/** Members with their roles (those the kinds no longer allow are flagged), and pending invitations. */
export async function organisationMembers(db: Kysely<DB>, principal: Principal, organisationId: number) {
  requireMembersManager(principal, organisationId);
  const organisation = await organisationFacts(db, organisationId);
  const members = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
    .select(['u.id as user_id', 'u.email', 'u.display_name', 'm.role', 'm.is_org_admin', sql<boolean>`${sql.raw(roleFitsKindsSql('m', 'o'))}`.as('fits')])
    .where('m.organisation_id', '=', organisationId)
    .orderBy('u.email')
    .orderBy('m.role')
    .execute();
  const invitations = await db
    .selectFrom('invitations')
    .select(['token_hash', 'email', 'role', 'created_at', 'expires_at'])
    .where('organisation_id', '=', organisationId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .orderBy('created_at', 'desc')
    .execute();
  return { organisation, members, invitations };
}

export async function revokeInvitation(db: Kysely<DB>, principal: Principal, organisationId: number, invitationId: string): Promise<void> {
  requireMembersManager(principal, organisationId);
  await db.transaction().execute(async (trx) => {
    const revoked = await trx
      .updateTable('invitations')
      .set({ revoked_at: new Date() })
      .where('token_hash', '=', invitationId)
      .where('organisation_id', '=', organisationId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .returning(['email', 'role'])
      .executeTakeFirst();
    if (!revoked) throw notFound('Cette invitation n’existe pas ou n’est plus en attente.');
    await recordAudit(trx, { actorUserId: principal.userId, organisationId, action: 'invitation.revoked', details: { email: revoked.email, role: revoked.role } });
  });
}

/** Administrators of the organisation other than this user: there must always be one left. */
async function otherAdministrators(trx: Kysely<DB>, organisationId: number, userId: number): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(distinct user_id) as n from memberships
    where organisation_id = ${organisationId} and is_org_admin and user_id <> ${userId}`.execute(trx);
  return Number(rows[0]!.n);
}

/** Changes a member's role (and whether they administer the organisation); never leaves it without an administrator. */
export async function changeMemberRole(
  db: Kysely<DB>,
  principal: Principal,
  input: { organisationId: number; userId: number; fromRole: Role; toRole: Role; isOrgAdmin: boolean },
): Promise<void> {
  requireMembersManager(principal, input.organisationId);
  await db.transaction().execute(async (trx) => {
    await sql`select id from organisations where id = ${input.organisationId} for update`.execute(trx);
    const organisation = await organisationFacts(trx, input.organisationId);
    if (!canGrantRole(principal, organisation, input.toRole)) {
      throw forbidden(`Cette organisation ne peut pas donner le rôle « ${ROLE_LABELS[input.toRole] ?? input.toRole} » : son type ne le permet pas.`, 'role_non_permis');
    }
    const current = await trx.selectFrom('memberships').selectAll().where('organisation_id', '=', input.organisationId).where('user_id', '=', input.userId).where('role', '=', input.fromRole).executeTakeFirst();
    if (!current) throw notFound('Cette personne n’a pas ce rôle dans l’organisation.');
    if (current.is_org_admin && !input.isOrgAdmin && (await otherAdministrators(trx, input.organisationId, input.userId)) === 0) {
      throw conflict('C’est le dernier administrateur de l’organisation : nommez-en un autre avant de lui retirer ce droit.', 'dernier_administrateur');
    }
    if (input.toRole !== input.fromRole) {
      const taken = await trx.selectFrom('memberships').select('role').where('organisation_id', '=', input.organisationId).where('user_id', '=', input.userId).where('role', '=', input.toRole).executeTakeFirst();
      if (taken) throw conflict('Cette personne a déjà ce rôle dans l’organisation.', 'role_existant');
    }
    await trx
      .updateTable('memberships')
      .set({ role: input.toRole, is_org_admin: input.isOrgAdmin })
      .where('organisation_id', '=', input.organisationId)
      .where('user_id', '=', input.userId)
      .where('role', '=', input.fromRole)
      .execute();
    await recordAudit(trx, { actorUserId: principal.userId, organisationId: input.organisationId, action: 'membership.changed', details: { userId: input.userId, fromRole: input.fromRole, toRole: input.toRole, isOrgAdmin: input.isOrgAdmin } });
  });
}

/** Removes a member from the organisation (every role), never the last administrator; their sessions end. */
export async function removeMember(db: Kysely<DB>, principal: Principal, organisationId: number, userId: number): Promise<void> {
  requireMembersManager(principal, organisationId);
  await db.transaction().execute(async (trx) => {
    await sql`select id from organisations where id = ${organisationId} for update`.execute(trx);
    const roles = await trx.selectFrom('memberships').select(['role', 'is_org_admin']).where('organisation_id', '=', organisationId).where('user_id', '=', userId).execute();
    if (roles.length === 0) throw notFound('Cette personne n’est pas membre de l’organisation.');
    if (roles.some((r) => r.is_org_admin) && (await otherAdministrators(trx, organisationId, userId)) === 0) {
      throw conflict('C’est le dernier administrateur de l’organisation : il ne peut pas être retiré.', 'dernier_administrateur');
    }
    await trx.deleteFrom('memberships').where('organisation_id', '=', organisationId).where('user_id', '=', userId).execute();
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    await recordAudit(trx, { actorUserId: principal.userId, organisationId, action: 'membership.removed', details: { userId, roles: roles.map((r) => r.role) } });
  });
}

/** The national administration sets what an organisation is (and so which roles its members may hold). */
export async function setOrganisationKinds(db: Kysely<DB>, principal: Principal, organisationId: number, kinds: string[]): Promise<void> {
  if (!canGrantKinds(principal)) throw forbidden('Seule l’administration nationale accorde les types d’organisation.');
  const unknown = kinds.filter((k) => !isOrganisationKind(k));
  if (unknown.length) throw invalid(`Type d’organisation inconnu : ${unknown.join(', ')}.`, 'type_inconnu');
  const wanted = [...new Set(kinds)].sort() as OrganisationKind[];
  await db.transaction().execute(async (trx) => {
    const organisation = await trx.selectFrom('organisations').select(['id', 'kinds']).where('id', '=', organisationId).forUpdate().executeTakeFirst();
    if (!organisation) throw notFound('Cette organisation n’existe pas.');
    if (organisation.kinds.includes('national_operator') && !wanted.includes('national_operator') && principal.memberships.some((m) => m.organisationId === organisationId && m.role === 'admin')) {
      throw conflict('Vous retireriez à votre propre organisation le type « opérateur national » : vous perdriez l’administration de la plateforme. Faites-le depuis une autre organisation opératrice.', 'perte_administration');
    }
    await trx.updateTable('organisations').set({ kinds: wanted }).where('id', '=', organisationId).execute();
    await recordAudit(trx, { actorUserId: principal.system ? null : principal.userId, organisationId, action: 'organisation.kinds_set', details: { from: organisation.kinds, to: wanted } });
  });
}

/** A hub's territory: 2 to 5 départements, set by the national administration. */
export async function setHubTerritory(db: Kysely<DB>, principal: Principal, organisationId: number, departementCodes: string[]): Promise<void> {
  if (!canGrantKinds(principal)) throw forbidden('Seule l’administration nationale fixe le territoire d’un hub.');
  const codes = [...new Set(departementCodes.map((c) => c.trim().toUpperCase()).filter(Boolean))].sort();
  if (codes.length < 2 || codes.length > 5) throw invalid('Un hub couvre de 2 à 5 départements.', 'territoire_hub');
  await db.transaction().execute(async (trx) => {
    const organisation = await trx.selectFrom('organisations').select(['id', 'kinds']).where('id', '=', organisationId).forUpdate().executeTakeFirst();
    if (!organisation) throw notFound('Cette organisation n’existe pas.');
    if (!organisation.kinds.includes('hub')) throw conflict(`Cette organisation n’est pas un hub : donnez-lui d’abord le type « ${KIND_LABELS.hub} ».`, 'pas_un_hub');
    const known = await trx.selectFrom('departements').select('code').where('code', 'in', codes).execute();
    const missing = codes.filter((c) => !known.some((k) => k.code === c));
    if (missing.length) throw invalid(`Département inconnu : ${missing.join(', ')}.`, 'departement_inconnu');
    const before = await trx.selectFrom('organisation_departements').select('departement_code').where('organisation_id', '=', organisationId).execute();
    await trx.deleteFrom('organisation_departements').where('organisation_id', '=', organisationId).execute();
    await trx.insertInto('organisation_departements').values(codes.map((code) => ({ organisation_id: organisationId, departement_code: code }))).execute();
    await recordAudit(trx, { actorUserId: principal.system ? null : principal.userId, organisationId, action: 'organisation.hub_territory_set', details: { from: before.map((b) => b.departement_code), to: codes } });
  });
}

/** Memberships whose role the organisation's kinds do not allow: they give no power and wait for a decision. */
export async function membershipsOutsideKinds(db: Kysely<DB>) {
  const { rows } = await sql<{ organisation_id: number; organisation_name: string; kinds: string[]; user_id: number; email: string; role: Role }>`
    select o.id as organisation_id, o.name as organisation_name, o.kinds, u.id as user_id, u.email, m.role
    from memberships m join organisations o on o.id = m.organisation_id join users u on u.id = m.user_id
    where not ${sql.raw(roleFitsKindsSql('m', 'o'))}
    order by o.name, u.email`.execute(db);
  return rows.map((r) => ({ ...r, organisation_id: Number(r.organisation_id), user_id: Number(r.user_id) }));
}

