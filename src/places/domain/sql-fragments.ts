import { PARIS_TODAY_SQL } from '../../shared/dates.js';

/**
 * The one SQL definition of each place rule the pass numérique depends on, as condition text over the caller's
 * aliases. Redemption (its single prepared statement and the explanation of a refusal), the places search and the
 * label pages all build their queries from these, so a rule cannot drift between them. Plain text, no
 * parameters: the arguments are aliases and column references written in the code, never user input.
 * Inner aliases (l, pd, c, pp) must not be the caller's place alias.
 */

const REFERENCE = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

function reference(text: string): string {
  if (!REFERENCE.test(text)) throw new Error(`SQL fragment: « ${text} » n’est pas un alias ou une colonne`);
  return text;
}

/** A label record approved and within its dates today (the Paris calendar day). */
export function labelRecordValidToday(labelAlias: string): string {
  const l = reference(labelAlias);
  return `(${l}.status = 'approved' and ${l}.valid_from <= ${PARIS_TODAY_SQL} and ${l}.valid_until >= ${PARIS_TODAY_SQL})`;
}

/** The place holds a label valid today: the only state in which it redeems vouchers or shows as accepting them. */
export function labelValidToday(placeAlias: string): string {
  return `exists (select 1 from place_labels l where l.place_id = ${reference(placeAlias)}.id and ${labelRecordValidToday('l')})`;
}

/** The place's commune lies in one of the programme's départements. */
export function inProgrammeTerritory(placeAlias: string, programmeId: string): string {
  return `exists (select 1 from programme_departements pd join communes c on c.departement_code = pd.departement_code
                where pd.programme_id = ${reference(programmeId)} and c.insee_code = ${reference(placeAlias)}.commune_code)`;
}

/** The place's mediators chose to accept the programme's vouchers. */
export function acceptsProgramme(placeAlias: string, programmeId: string): string {
  return `exists (select 1 from place_programmes pp where pp.place_id = ${reference(placeAlias)}.id and pp.programme_id = ${reference(programmeId)})`;
}

/** The place accepts the vouchers of at least one programme. */
export function acceptsAnyProgramme(placeAlias: string): string {
  return `exists (select 1 from place_programmes pp where pp.place_id = ${reference(placeAlias)}.id)`;
}
