import { hasRole, type Principal } from '../../accounts/domain/principal.js';

/**
 * Who reads the diagnostic's advice: the person alone (« vous ») or the professional who fills it in with the person
 * (« la personne »). The welcome step asks; its default follows the signed-in role.
 */
export const READERS = {
  person: 'Je réponds pour moi',
  professional: 'Je suis un professionnel et je remplis le diagnostic avec la personne',
} as const;

export type Reader = keyof typeof READERS;

/** The roles whose members welcome people and fill the diagnostic in with them. */
const PROFESSIONAL_ROLES = ['prescriber', 'mediator', 'helper'] as const;

export function defaultReader(principal: Principal | null): Reader {
  return principal && PROFESSIONAL_ROLES.some((role) => hasRole(principal, role)) ? 'professional' : 'person';
}

/** The reader chosen on the welcome step, or the default of the role when none (or an unknown value) is given. */
export function readerOf(chosen: string | undefined, principal: Principal | null): Reader {
  return chosen === 'person' || chosen === 'professional' ? chosen : defaultReader(principal);
}
