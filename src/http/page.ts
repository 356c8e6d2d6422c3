import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasRole, type Principal } from '../accounts/use-cases/principal.js';
import { DomainError } from '../shared/errors.js';
import { httpStatus } from './errors.js';

interface NavigationLink {
  href: string;
  label: string;
}

/** The menu shows what the principal's roles allow, nothing more. */
export function navigationFor(principal: Principal | null): NavigationLink[] {
  if (!principal) return [];
  const links: NavigationLink[] = [{ href: '/lieux', label: 'Trouver un lieu' }];
  if (hasRole(principal, 'funder') || hasRole(principal, 'admin')) links.push({ href: '/commandes', label: 'Commandes' });
  const funder = principal.memberships.find((m) => m.role === 'funder');
  if (funder) links.push({ href: `/financeurs/${funder.organisationId}/rapport`, label: 'Rapport' });
  if (hasRole(principal, 'funder') || hasRole(principal, 'hub') || hasRole(principal, 'admin')) links.push({ href: '/programmes', label: 'Programmes' });
  if (hasRole(principal, 'prescriber') || hasRole(principal, 'mediator')) links.push({ href: '/diagnostic', label: 'Diagnostic' });
  if (hasRole(principal, 'prescriber')) links.push({ href: '/carnets', label: 'Carnets à remettre' });
  if (hasRole(principal, 'mediator')) links.push({ href: '/encaisser', label: 'Encaisser un chèque' }, { href: '/accompagnements', label: 'Ateliers et accompagnements' }, { href: '/mes-lieux', label: 'Mes lieux' });
  if (hasRole(principal, 'hub') || hasRole(principal, 'admin')) links.push({ href: '/labels', label: 'Labels et lieux' }, { href: '/remboursements', label: 'Remboursements' });
  if (hasRole(principal, 'mediator')) links.push({ href: '/releves', label: 'Mes relevés' });
  if (hasRole(principal, 'admin')) links.push({ href: '/admin', label: 'Opérateur' });
  if (principal.memberships.some((m) => m.isOrgAdmin)) links.push({ href: '/organisation', label: 'Mon organisation' });
  return links;
}

export function renderPage(request: FastifyRequest, reply: FastifyReply, template: string, data: Record<string, unknown>, status = 200) {
  return reply.status(status).view(template, {
    ...data,
    principal: request.principal,
    navigation: navigationFor(request.principal),
    csrfToken: reply.generateCsrf(),
  });
}

/** Form fields arrive as strings: read one, trimmed. */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** A refusal as a form shows it: the French message, the HTTP status of its kind, its code and details. */
export interface FormRefusal {
  message: string;
  status: number;
  code: string;
  details: Record<string, unknown>;
  error: DomainError;
}

/** Runs a form action; a refusal re-renders the form with its French message (and status) instead of an error page. */
export async function withFormErrors(action: () => Promise<unknown>, onError: (refusal: FormRefusal) => unknown) {
  try {
    return await action();
  } catch (error) {
    if (error instanceof DomainError) return onError({ message: error.message, status: httpStatus(error), code: error.code, details: error.details, error });
    throw error;
  }
}
