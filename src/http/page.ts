import type { FastifyReply, FastifyRequest } from 'fastify';
import { mayAttempt } from '../accounts/domain/permissions.js';
import { hasRole, type Principal } from '../accounts/domain/principal.js';
import { ALL_PERMISSIONS, ALL_ROUTES } from './route-table.js';
import { DomainError } from '../shared/errors.js';
import { httpStatus } from './errors.js';
import { takeFlash } from './flash.js';

interface NavigationLink {
  href: string;
  label: string;
}

const MENU: NavigationLink[] = [
  { href: '/lieux', label: 'Trouver un lieu' },
  { href: '/commandes', label: 'Commandes' },
  { href: '/programmes', label: 'Programmes' },
  { href: '/diagnostic', label: 'Diagnostic' },
  { href: '/carnets', label: 'Carnets à remettre' },
  { href: '/encaisser', label: 'Encaisser un chèque' },
  { href: '/accompagnements', label: 'Ateliers et accompagnements' },
  { href: '/mes-lieux', label: 'Mes lieux' },
  { href: '/labels', label: 'Labels et lieux' },
  { href: '/lieux/territoire', label: 'Lieux du territoire' },
  { href: '/pilotage', label: 'Pilotage' },
  { href: '/remboursements', label: 'Remboursements' },
  { href: '/releves', label: 'Mes relevés' },
  { href: '/admin', label: 'Opérateur' },
  { href: '/admin/organisations', label: 'Organisations' },
  { href: '/organisation', label: 'Mon organisation' },
];

/**
 * The menu shows what the permission tables let the principal attempt, nothing more: each link is shown when
 * the action of its route (route-policies.ts) has a scope for one of the principal's roles. Public pages other
 * than the search are reached from the home page.
 */
export function navigationFor(principal: Principal | null): NavigationLink[] {
  if (!principal) return [];
  const links = MENU.filter((link) => {
    if (link.href === '/diagnostic') return hasRole(principal, 'prescriber') || hasRole(principal, 'mediator');
    const rule = ALL_PERMISSIONS[ALL_ROUTES[`GET ${link.href}`]!];
    return rule !== undefined && mayAttempt(principal, rule);
  });
  const funder = principal.memberships.find((m) => m.role === 'funder');
  if (funder) links.splice(2, 0, { href: `/financeurs/${funder.organisationId}/rapport`, label: 'Rapport' });
  return links;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** What waits on a signed-in person, for the header (set by app.ts: the notifications context, one query). */
    headerNotificationCount?: (principal: Principal) => Promise<number>;
  }
}

/** The header's count; a page that has it already passes `notificationCount`. A failure only hides the number. */
async function headerCount(request: FastifyRequest, data: Record<string, unknown>): Promise<number | null> {
  if (typeof data.notificationCount === 'number') return data.notificationCount;
  const count = request.server.headerNotificationCount;
  if (!request.principal || request.principal.system || !count) return null;
  return count(request.principal).catch((error: unknown) => {
    request.log.warn({ err: error }, 'compte des notifications');
    return null;
  });
}

export async function renderPage(request: FastifyRequest, reply: FastifyReply, template: string, data: Record<string, unknown>, status = 200) {
  const flash = takeFlash(request, reply);
  const notificationCount = await headerCount(request, data);
  return reply.status(status).view(template, {
    ...(flash ? { [flash.kind]: flash.message } : {}),
    ...data,
    notificationCount,
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
