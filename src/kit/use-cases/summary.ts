import type { Kysely } from 'kysely';
import { communeByCode } from '../../territories/use-cases/resolve.js';
import type { DB } from '../../db/schema.js';
import { DomainError } from '../../shared/errors.js';
import { weekSchedule, type DaySchedule } from '../../places/domain/opening-hours.js';
import { formatPhoneForPeople } from '../../places/domain/normalise.js';
import type { PlaceHit } from '../../places/use-cases/search.js';
import { getDiagnostic, outcomeInWordsOf, type DiagnosticOutcome, type DiagnosticView } from './diagnostics.js';
import type { ItemBank } from '../domain/item-bank.js';
import { weekLines } from '../domain/summary-sheet.js';
import { orient, type Orientation } from './orientation.js';
import { bookletProgress, type BookletProgress } from './progress.js';

/** A place as the printed sheet lists it: how to call it and its hours for the whole week (never « open now »). */
export interface SheetPlace extends PlaceHit {
  phone: string | null;
  /** The number as dialled (tel: link), the one stored. */
  phoneDial: string | null;
  week: DaySchedule[] | null;
  /** The week in a few lines, days with the same hours together (the PDF). */
  hours: string[];
}

export interface DiagnosticSummary {
  view: DiagnosticView;
  orientation: Orientation | null;
  /** Why the places could not be searched (an unknown commune), shown next to the form. */
  orientationError: string | null;
  booklet: { id: number; number: string } | null;
  progress: BookletProgress | null;
  /** Where the places are searched from: the commune typed, or else the one of the booklet's profile. */
  near: string | null;
  /** The sheet's places: the nearest workshop places, then those helping with equipment or a connection. */
  sheetPlaces: SheetPlace[];
  /** The result in the person's own words: the sheet is theirs, whoever filled the diagnostic in. */
  sheet: DiagnosticOutcome | null;
}

/** What the person takes away, on the summary sheet and the result page. */
export const WHAT_TO_BRING = [
  'Cette feuille et votre carnet de pass numérique, si vous en avez un.',
  'Votre téléphone ou votre tablette, chargé, si vous en avez un.',
  'Vos identifiants et mots de passe, si vous en avez (par exemple notés dans un carnet).',
  'Pour une démarche : les papiers demandés (pièce d’identité, courrier reçu, numéro d’allocataire…).',
  'Vos lunettes, si vous en portez.',
];

/** How many places the sheet lists: workshop places, then equipment or connection help. */
export const SHEET_WORKSHOP_PLACES = 3;
export const SHEET_HELP_PLACES = 2;

async function sheetPlacesOf(db: Kysely<DB>, orientation: Orientation, now: Date): Promise<SheetPlace[]> {
  const hits = [...orientation.workshopPlaces.slice(0, SHEET_WORKSHOP_PLACES), ...orientation.helpPlaces.slice(0, SHEET_HELP_PLACES)]
    .filter((hit, index, all) => all.findIndex((other) => other.id === hit.id) === index);
  if (hits.length === 0) return [];
  const details = await db.selectFrom('places').select(['id', 'phone', 'opening_hours']).where('id', 'in', hits.map((h) => h.id)).execute();
  return hits.map((hit) => {
    const place = details.find((d) => d.id === hit.id);
    const week = weekSchedule(place?.opening_hours ?? null, now);
    return {
      ...hit,
      phone: place?.phone ? formatPhoneForPeople(place.phone) : null,
      phoneDial: place?.phone ?? null,
      week,
      hours: week ? weekLines(week) : [],
    };
  });
}

/** The result of a finished diagnostic with its places, booklet and progress: one read for the page, the sheet, the PDF. */
export async function diagnosticSummary(db: Kysely<DB>, bank: ItemBank, id: string, now = new Date()): Promise<DiagnosticSummary> {
  const view = await getDiagnostic(db, bank, id);
  if (!view.outcome) return { view, orientation: null, orientationError: null, booklet: null, progress: null, near: null, sheetPlaces: [], sheet: null };
  const booklet = view.bookletId === null ? null : await db.selectFrom('booklets').select(['id', 'number', 'profile_commune_code']).where('id', '=', view.bookletId).executeTakeFirstOrThrow();
  // The profile's commune by its label: a bare INSEE code may also be another commune's postal code.
  const profileCommune = booklet?.profile_commune_code ? await communeByCode(db, booklet.profile_commune_code) : null;
  const near = view.near ?? profileCommune?.label ?? booklet?.profile_commune_code ?? null;
  let orientation: Orientation | null = null;
  let orientationError: string | null = null;
  if (near) {
    try {
      orientation = await orient(db, view.outcome.recommendation, near, now);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      orientationError = error.message;
    }
  }
  return {
    view,
    orientation,
    orientationError,
    booklet: booklet ? { id: booklet.id, number: booklet.number } : null,
    progress: booklet ? await bookletProgress(db, booklet.id) : null,
    near,
    sheetPlaces: orientation ? await sheetPlacesOf(db, orientation, now) : [],
    sheet: outcomeInWordsOf(view.outcome, 'person'),
  };
}
