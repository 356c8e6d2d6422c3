/**
 * What kind of refusal a domain rule makes. The domain says only this; the HTTP layer maps it to a status
 * (src/http/errors.ts), the CLI to an exit message.
 */
export type RefusalKind = 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'invalid' | 'gone' | 'too_many';

/**
 * A refusal the user can act on: its message is French and shown as is, its code is stable for API clients.
 * Thrown inside a transaction, it rolls everything back.
 */
export class DomainError extends Error {
  constructor(
    public readonly kind: RefusalKind,
    public readonly code: string,
    message: string,
    public readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const unauthenticated = (message: string, code = 'non_authentifie') => new DomainError('unauthenticated', code, message);
export const notFound = (message: string, code = 'introuvable') => new DomainError('not_found', code, message);
export const forbidden = (message: string, code = 'interdit') => new DomainError('forbidden', code, message);
export const invalid = (message: string, code = 'invalide', details: Record<string, unknown> = {}) =>
  new DomainError('invalid', code, message, details);
export const conflict = (message: string, code = 'conflit', details: Record<string, unknown> = {}) =>
  new DomainError('conflict', code, message, details);
export const gone = (message: string, code = 'plus_disponible', details: Record<string, unknown> = {}) =>
  new DomainError('gone', code, message, details);
export const tooMany = (message: string, code = 'trop_de_tentatives') => new DomainError('too_many', code, message);
