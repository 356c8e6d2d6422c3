import type { Role } from '../../db/schema.js';

export const ROLES: Role[] = ['prescriber', 'mediator', 'funder', 'hub', 'helper', 'admin'];

export const ROLE_LABELS: Record<Role, string> = {
  prescriber: 'Prescripteur',
  mediator: 'Médiateur',
  funder: 'Financeur',
  hub: 'Hub France Connectée',
  helper: 'Aidant habilité',
  admin: 'Administration nationale',
};
