import { field } from '../../http/page.js';
import { MAX_RANGES_PER_DAY, osmToGrid, readTypedGrid, typedFromGrid, emptyGrid, WEEKDAYS, type TypedGrid } from '../domain/hours-grid.js';

/**
 * The opening-hours part of the place form, as plain inputs that work without JavaScript: a week grid
 * (`grille_mo_ferme`, `grille_mo_1_debut`, `grille_mo_1_fin`, … `grille_feries_fermes`) or, for what the grid cannot
 * show, the expert field `horaires` (OSM syntax). `horaires_mode` says which one the person filled in.
 */
export type HoursMode = 'grille' | 'expert';

const name = (code: string, suffix: string) => `grille_${code.toLowerCase()}_${suffix}`;

/** The grid as typed in the form (nothing interpreted yet: hours-grid.ts reads it). */
export function typedGridOf(body: unknown): TypedGrid {
  return {
    days: WEEKDAYS.map(({ code }) => ({
      closed: field(body, name(code, 'ferme')) === 'oui',
      ranges: Array.from({ length: MAX_RANGES_PER_DAY }, (_, i) => ({ from: field(body, name(code, `${i + 1}_debut`)), to: field(body, name(code, `${i + 1}_fin`)) })),
    })),
    publicHolidaysClosed: field(body, 'grille_feries_fermes') === 'oui',
  };
}

/** The grid's inputs when the form says so; otherwise the expert field `horaires` is the value (API-like posts too). */
export const hoursGridInput = (body: unknown): TypedGrid | undefined => (field(body, 'horaires_mode') === 'grille' ? typedGridOf(body) : undefined);

export interface HoursForm {
  horaires_mode: HoursMode;
  horaires: string;
  grille: TypedGrid;
  /** Why the expert field is chosen: the stored value says more than the grid can show. */
  hoursNotice?: string;
}

/** The form of a stored value: the grid when it can show it exactly, the expert field (and why) otherwise. */
export function hoursFormOf(value: string | null): HoursForm {
  const grid = osmToGrid(value);
  if (grid) return { horaires_mode: 'grille', horaires: value ?? '', grille: typedFromGrid(grid) };
  return {
    horaires_mode: 'expert',
    horaires: value ?? '',
    grille: typedFromGrid(emptyGrid()),
    hoursNotice: 'Ces horaires utilisent des règles que la grille ne sait pas montrer (périodes de l’année, plus de deux plages par jour, ouverture après minuit, commentaires…) : ils restent dans la saisie experte, tels quels. Choisissez « Grille de la semaine » pour les remplacer par une grille.',
  };
}

/** What the person typed, shown back after an error. */
export function hoursEcho(body: unknown): HoursForm {
  return { horaires_mode: field(body, 'horaires_mode') === 'grille' ? 'grille' : 'expert', horaires: field(body, 'horaires'), grille: typedGridOf(body) };
}

/** The grid's days for the template: names, inputs' names and values, and each day's errors. */
export function gridView(grid: TypedGrid, checkErrors: boolean) {
  const errors = checkErrors ? readTypedGrid(grid).errors : [];
  return {
    days: WEEKDAYS.map(({ code, name: dayName }, day) => ({
      code: code.toLowerCase(),
      name: dayName.charAt(0).toUpperCase() + dayName.slice(1),
      closed: grid.days[day]?.closed ?? false,
      ranges: (grid.days[day]?.ranges ?? []).map((range, index) => ({ ...range, index: index + 1 })),
      errors: errors.filter((e) => e.day === day).map((e) => e.reason),
    })),
    publicHolidaysClosed: grid.publicHolidaysClosed,
  };
}
