import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { DomainError } from '../../shared/errors.js';
import { getDiagnostic, type DiagnosticView } from './diagnostics.js';
import type { ItemBank } from '../domain/item-bank.js';
import { orient, type Orientation } from './orientation.js';
import { bookletProgress, type BookletProgress } from './progress.js';

export interface DiagnosticSummary {
  view: DiagnosticView;
  orientation: Orientation | null;
  /** Why the places could not be searched (an unknown commune), shown next to the form. */
  orientationError: string | null;
  booklet: { id: number; number: string } | null;
  progress: BookletProgress | null;
}

/** What the person takes away, on the summary sheet and the result page. */
export const WHAT_TO_BRING = [
  'Cette feuille et votre carnet de pass numérique, si vous en avez un.',
  'Votre téléphone ou votre tablette, chargé, si vous en avez un.',
  'Vos identifiants et mots de passe, si vous en avez (par exemple notés dans un carnet).',
  'Pour une démarche : les papiers demandés (pièce d’identité, courrier reçu, numéro d’allocataire…).',
  'Vos lunettes, si vous en portez.',
];

/** The result of a finished diagnostic with its places, booklet and progress: one read for the page, the sheet, the PDF. */
export async function diagnosticSummary(db: Kysely<DB>, bank: ItemBank, id: string): Promise<DiagnosticSummary> {
  const view = await getDiagnostic(db, bank, id);
  if (!view.outcome) return { view, orientation: null, orientationError: null, booklet: null, progress: null };
  let orientation: Orientation | null = null;
  let orientationError: string | null = null;
  if (view.near) {
    try {
      orientation = await orient(db, view.outcome.recommendation, view.near);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      orientationError = error.message;
    }
  }
  const booklet = view.bookletId === null ? null : await db.selectFrom('booklets').select(['id', 'number']).where('id', '=', view.bookletId).executeTakeFirstOrThrow();
  return { view, orientation, orientationError, booklet, progress: booklet ? await bookletProgress(db, booklet.id) : null };
}
