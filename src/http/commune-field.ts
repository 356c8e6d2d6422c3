import { COMMUNE_KINDS, territoryDetails, type CommuneFieldInput, type CommuneFieldOutcome, type TerritoryKind } from '../territories/domain/commune-resolver.js';

/**
 * The commune field every form shares (views/_commune-field.njk): a text input the person fills with a name or a
 * postal code; with JavaScript, a combobox proposing the candidates of GET /api/v1/communes
 * (public/commune-combobox.js); without it, when the text matches several places, the page comes back with the
 * candidates as radio buttons (`<name>_choix`), valid while the text is the one they were offered for (`<name>_pour`).
 */
export interface CommuneFieldSpec {
  name: string;
  /** The input's id; the name by default (two commune fields on one page need two ids). */
  id?: string;
  label: string;
  hint?: string;
  required?: boolean;
  kinds?: readonly TerritoryKind[];
}

export interface CommuneFieldView {
  name: string;
  id: string;
  label: string;
  hint: string;
  required: boolean;
  /** The kinds the combobox asks the API for, comma-separated. */
  kinds: string;
  value: string;
  error: string | null;
  choice: { legend: string; for: string; options: { value: string; label: string; details: string }[] } | null;
}

const text = (source: unknown, name: string): string => {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

/** What a commune field sent, from a form body or a query string. */
export function communeFieldInput(source: unknown, name: string): CommuneFieldInput {
  return { text: text(source, name), choice: text(source, `${name}_choix`) || undefined, choiceFor: text(source, `${name}_pour`) || undefined };
}

/** The field as the partial draws it: the value typed (or resolved), its error, the choice step. */
export function communeFieldView(spec: CommuneFieldSpec, state: { value?: string; outcome?: CommuneFieldOutcome; error?: string | null } = {}): CommuneFieldView {
  const outcome = state.outcome;
  const resolved = outcome?.status === 'resolved' ? outcome.candidate.label : undefined;
  return {
    name: spec.name,
    id: spec.id ?? spec.name,
    label: spec.label,
    hint: spec.hint ?? '',
    required: spec.required ?? false,
    kinds: (spec.kinds ?? COMMUNE_KINDS).join(','),
    value: resolved ?? state.value ?? '',
    error: state.error ?? (outcome?.status === 'none' ? outcome.message : null),
    choice:
      outcome?.status === 'ambiguous'
        ? { legend: outcome.message, for: state.value ?? '', options: outcome.candidates.map((c) => ({ value: c.label, label: c.label, details: territoryDetails(c.territory) })) }
        : null,
  };
}
