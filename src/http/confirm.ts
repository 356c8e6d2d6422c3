import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderPage } from './page.js';

/**
 * Money actions ask before they act, without JavaScript: the action's button posts to its route, which answers with
 * a « Confirmer … » page (what will happen, a summary, a required checkbox); that page posts again with
 * `etape=confirmer` and the box ticked, and only then does the route act. A confirmation without the box ticked
 * shows the same page again with an error, nothing changed.
 */
export type ConfirmationStep = 'ask' | 'unticked' | 'confirmed';

export function confirmationStep(body: unknown): ConfirmationStep {
  const form = (body ?? {}) as Record<string, unknown>;
  if (form.etape !== 'confirmer') return 'ask';
  return form.confirmation === 'oui' ? 'confirmed' : 'unticked';
}

export interface Confirmation {
  /** Page title and heading, « Confirmer … ». */
  title: string;
  /** What will happen, in one or two sentences. */
  consequence: string;
  /** The facts the person checks before confirming. */
  summary: { label: string; value: string }[];
  /** The route that acts, posted to with `etape=confirmer`. */
  action: string;
  /** Fields carried from the first form. */
  hidden?: Record<string, string>;
  /** A text the person must give (a reason), shown and editable on the confirmation page. */
  reason?: { name: string; label: string; hint?: string; value: string; maxLength?: number };
  checkbox: string;
  button: string;
  /** Where « Ne rien changer » leads. */
  back: string;
}

export const UNTICKED_MESSAGE = 'Cochez la case de confirmation pour continuer : rien n’a été changé.';

export function renderConfirmation(request: FastifyRequest, reply: FastifyReply, confirmation: Confirmation, error?: string, status = error ? 422 : 200) {
  return renderPage(request, reply, 'confirm.njk', { title: confirmation.title, confirmation, ...(error ? { error } : {}) }, status);
}
