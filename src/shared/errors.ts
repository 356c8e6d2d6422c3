/**
 * A refusal the user can act on: its message is French and shown as is, its status is the HTTP answer.
 * Thrown inside a transaction, it rolls everything back.
 */
export class DomainError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (message: string, code = 'introuvable') => new DomainError(404, code, message);
export const forbidden = (message: string, code = 'interdit') => new DomainError(403, code, message);
export const invalid = (message: string, code = 'invalide', details: Record<string, unknown> = {}) =>
  new DomainError(422, code, message, details);
export const conflict = (message: string, code = 'conflit', details: Record<string, unknown> = {}) =>
  new DomainError(409, code, message, details);
