import { DomainError, type RefusalKind } from '../shared/errors.js';

/** The one mapping from a domain refusal to an HTTP status. */
export const HTTP_STATUS: Record<RefusalKind, number> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  invalid: 422,
  too_many: 429,
};

export const httpStatus = (error: DomainError): number => HTTP_STATUS[error.kind];
export { DomainError };
