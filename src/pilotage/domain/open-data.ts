import { ENUMERATED_FIELDS, REQUIRED_FIELDS, STANDARD_FIELDS, STANDARD_VERSION, type StandardField } from '../../places/domain/standard.js';
import { z } from 'zod';
import { invalid } from '../../shared/errors.js';
import { CODE_PATTERNS, YEAR_RANGE, type BreakdownRow } from './filters.js';
import { K_ANONYMITY, PUBLIC_ROUNDING } from './privacy.js';
import { ATTRIBUTION_LABELS, DICTIONARY_VERSION, INDICATOR_IDS, INDICATORS, type IndicatorDefinition, type IndicatorId } from './indicators.js';

/**
 * The open data (« données ouvertes ») of the platform: which datasets are published, their Table Schemas
 * (frictionless specs, https://specs.frictionlessdata.io/table-schema/), the data package that lists them, their
 * changelog and the README of the privacy rules. Everything here is built from the metric dictionary (indicators.ts:
 * the indicators flagged `openData`) and from the national standard of the places (places/domain/standard.ts), so a
 * column is never described twice: the CLI (`inclusif opendata export`), the API (`/api/v1/open-data/…`) and the page
 * `/donnees-ouvertes` all read these functions.
 */

/** Version of the published datasets (semver): change it, and add a line below, whenever a column or a rule changes. */
export const OPEN_DATA_VERSION = '1.0.0';
export const OPEN_DATA_CHANGELOG: { version: string; date: string; changes: string[] }[] = [
  {
    version: '1.0.0',
    date: '2026-12-04',
    changes: [
      'Première publication : lieux de médiation numérique au standard national et activité agrégée par commune et par mois.',
      'Activité : chèques remis et encaissés, personnes accompagnées (pass), participants sans chèque (estimation), accompagnements, heures de formation (dictionnaire des indicateurs 1.0.0).',
      'Règles de confidentialité : cases de moins de 5 personnes masquées, masquage complémentaire, comptes arrondis sous 100.',
    ],
  },
];

export const LICENCE = { name: 'etalab-2.0', title: 'Licence Ouverte / Open Licence version 2.0', path: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence' } as const;

// ——— Table Schema types (the subset we publish) ———

export type TableSchemaType = 'string' | 'integer' | 'number' | 'date' | 'yearmonth';
export interface TableSchemaField {
  name: string;
  title: string;
  description: string;
  type: TableSchemaType;
  format?: 'default';
  example?: string;
  constraints: { required?: boolean; unique?: boolean; minimum?: number; pattern?: string; maxLength?: number };
}
export interface TableSchema {
  $schema: string;
  name: string;
  title: string;
  description: string;
  version: string;
  created: string;
  updated: string;
  homepage?: string;
  licenses: { name: string; title: string; path: string }[];
  /** Empty cells are missing values: an empty activity cell is a value withheld by the privacy rules. */
  missingValues: string[];
  primaryKey?: string | string[];
  fields: TableSchemaField[];
}

const TABLE_SCHEMA = 'https://frictionlessdata.io/schemas/table-schema.json';
const CREATED = '2026-12-04';
const lastChange = () => OPEN_DATA_CHANGELOG[OPEN_DATA_CHANGELOG.length - 1]!.date;

// ——— Activity per commune and month ———

/**
 * Column names of the indicators, in French snake case as the national standards write them. An indicator newly
 * flagged `openData` without a name here is published under its identifier: the flag alone decides what is published.
 */
const COLUMN_NAMES: Partial<Record<IndicatorId, string>> = {
  vouchers_handed: 'cheques_remis',
  vouchers_redeemed: 'cheques_encaisses',
  people_reached: 'personnes_accompagnees_pass',
  anonymous_participants: 'participants_sans_cheque_estimation',
  accompaniments: 'accompagnements',
  training_hours: 'heures_formation',
};

/** The indicators published per commune and month: exactly those the dictionary flags `openData`, in its order. */
export const OPEN_DATA_INDICATORS: readonly IndicatorId[] = INDICATOR_IDS.filter((id) => INDICATORS[id].openData === true);

export const openDataColumn = (id: IndicatorId): string => COLUMN_NAMES[id] ?? id;

/** The column listing, for each row, the indicator columns withheld by the privacy rules (empty cells). */
export const WITHHELD_COLUMN = 'valeurs_masquees';

/** Counts are whole numbers; hours may have a decimal part (a 90-minute workshop is 1.5 hours). */
const typeOf = (definition: IndicatorDefinition): TableSchemaType => (definition.unit === 'hours' || definition.unit === 'ratio' || definition.unit === 'percent' ? 'number' : 'integer');

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The standard's convention for a list of values from an enumeration, joined by « | ». */
const listPattern = (values: readonly string[]) => `(?:(?:^|\\|)(${values.map(escapeRegExp).join('|')}))+$`;

function indicatorField(id: IndicatorId): TableSchemaField {
  const d = INDICATORS[id];
  const parts = [
    d.definition,
    d.dated ? `Compté à ${d.dated}, dans ${ATTRIBUTION_LABELS[d.attribution]}.` : '',
    d.estimate ? 'Estimation : une personne venue plusieurs fois peut être comptée plusieurs fois.' : '',
    `Source : ${d.source}.`,
    'Arrondi sous 100 ; vide si la valeur est masquée (secret statistique, voir valeurs_masquees).',
  ];
  return {
    name: openDataColumn(id),
    title: d.label,
    description: parts.filter(Boolean).join(' '),
    type: typeOf(d),
    constraints: { required: false, minimum: 0 },
  };
}

export const ACTIVITY_KEY_FIELDS = ['mois', 'code_insee', 'commune', 'code_departement'] as const;

export function activitySchema(): TableSchema {
  const indicatorColumns = OPEN_DATA_INDICATORS.map(openDataColumn);
  return {
    $schema: TABLE_SCHEMA,
    name: 'activite-communes',
    title: 'Activité de l’inclusion numérique par commune et par mois',
    description:
      `Pour chaque commune et chaque mois où il y a eu de l’activité : chèques du pass numérique remis et encaissés, personnes accompagnées, participants sans chèque (estimation), accompagnements et heures de formation. Définitions du dictionnaire des indicateurs ${DICTIONARY_VERSION}. ` +
      'Règles de confidentialité appliquées : une case de moins de 5 personnes est vide (masquée), d’autres cases le sont aussi quand elles permettraient de la retrouver par différence, et les comptes sous 100 sont arrondis. Une cellule vide est toujours une valeur masquée ; une activité nulle s’écrit 0.',
    version: OPEN_DATA_VERSION,
    created: CREATED,
    updated: lastChange(),
    licenses: [{ ...LICENCE }],
    missingValues: [''],
    primaryKey: ['mois', 'code_insee'],
    fields: [
      { name: 'mois', title: 'Mois', description: 'Mois de l’activité, au format AAAA-MM (jours en heure de Paris).', type: 'yearmonth', example: '2026-03', constraints: { required: true } },
      { name: 'code_insee', title: 'Code INSEE de la commune', description: 'Code officiel géographique de la commune (ou de l’arrondissement de Paris, Lyon ou Marseille).', type: 'string', example: '44109', constraints: { required: true, pattern: CODE_PATTERNS.commune.source } },
      { name: 'commune', title: 'Commune', description: 'Nom de la commune selon le code officiel géographique de l’INSEE.', type: 'string', example: 'Nantes', constraints: { required: true } },
      { name: 'code_departement', title: 'Code du département', description: 'Code INSEE du département de la commune.', type: 'string', example: '44', constraints: { required: true, pattern: CODE_PATTERNS.departement.source } },
      ...OPEN_DATA_INDICATORS.map(indicatorField),
      {
        name: WITHHELD_COLUMN,
        title: 'Valeurs masquées',
        description: 'Noms des colonnes de la ligne dont la valeur est masquée par le secret statistique (moins de 5 personnes, ou masquage complémentaire), séparés par « | » ; vide si rien n’est masqué.',
        type: 'string',
        example: 'cheques_encaisses|accompagnements',
        constraints: { required: false, pattern: listPattern(indicatorColumns) },
      },
    ],
  };
}

/** The header of the activity CSV, in the schema's order. */
export const activityColumns = (): string[] => activitySchema().fields.map((field) => field.name);

/** A value of the report as the CSV writes it: null (empty cell) when the privacy rules withheld it. */
const cell = (row: BreakdownRow, id: IndicatorId): number | null => {
  const value = row.values[id];
  return value === undefined ? 0 : value.value;
};

/** A commune had activity in the month when one published value is not zero, or was withheld (withheld means « some »). */
export const hasActivity = (row: BreakdownRow): boolean => OPEN_DATA_INDICATORS.some((id) => cell(row, id) !== 0);

/** One line of the activity CSV, keyed by the schema's column names. */
export function activityRecord(month: string, departement: string, communeName: string, row: BreakdownRow): Record<string, string | number | null> {
  const record: Record<string, string | number | null> = { mois: month, code_insee: row.key, commune: communeName, code_departement: departement };
  const withheld: string[] = [];
  for (const id of OPEN_DATA_INDICATORS) {
    const value = cell(row, id);
    record[openDataColumn(id)] = value;
    if (value === null) withheld.push(openDataColumn(id));
  }
  record[WITHHELD_COLUMN] = withheld.length ? withheld.join('|') : null;
  return record;
}

// ——— The period of an export: whole months ———

/** The longest period of one export, in months (the filter's own limit is 10 years). */
export const MAX_OPEN_DATA_MONTHS = 120;
/** The period when none is given: the 12 last complete months. */
export const DEFAULT_OPEN_DATA_MONTHS = 12;

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const month = (what: string) =>
  z.string().trim()
    .regex(MONTH, { message: `Le mois ${what} doit être au format AAAA-MM (par exemple 2026-03).` })
    .refine((value) => !MONTH.test(value) || (Number(value.slice(0, 4)) >= YEAR_RANGE.min && Number(value.slice(0, 4)) <= YEAR_RANGE.max), { message: `Le mois ${what} doit être compris entre ${YEAR_RANGE.min} et ${YEAR_RANGE.max}.` });
const optionalMonth = (what: string) => z.preprocess((v) => (v === '' || v === null ? undefined : v), month(what).optional());
export const openDataPeriodSchema = z.object({ from: optionalMonth('de début'), to: optionalMonth('de fin') });

export const addMonths = (value: string, months: number): string => {
  const [y, m] = value.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + months;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
};
export const monthsBetween = (from: string, to: string): string[] => {
  const months: string[] = [];
  for (let m = from; m <= to; m = addMonths(m, 1)) months.push(m);
  return months;
};
/** First and last day (AAAA-MM-JJ) of a month. */
export const monthDays = (value: string): { from: string; to: string } => {
  const [y, m] = value.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${value}-01`, to: `${value}-${String(last).padStart(2, '0')}` };
};

export interface OpenDataPeriod {
  from: string;
  to: string;
}

/**
 * The months of an export (AAAA-MM, both included): by default the 12 last complete months before today's (Paris);
 * never a month after today's; refused with a French message when the input is malformed or the period too long.
 */
export function parseOpenDataPeriod(input: unknown, today: string): OpenDataPeriod {
  const parsed = openDataPeriodSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(issue.message, 'periode_invalide', { champ: issue.path.join('.') });
  }
  const current = today.slice(0, 7);
  const to = parsed.data.to ?? addMonths(current, -1);
  const from = parsed.data.from ?? addMonths(to, -(DEFAULT_OPEN_DATA_MONTHS - 1));
  if (to > current) throw invalid(`Le mois de fin (${to}) ne peut pas suivre le mois en cours (${current}).`, 'periode_invalide', { champ: 'to' });
  if (from > to) throw invalid('Le mois de fin doit suivre le mois de début.', 'periode_invalide', { champ: 'to' });
  if (monthsBetween(from, to).length > MAX_OPEN_DATA_MONTHS) throw invalid(`La période ne peut pas dépasser ${MAX_OPEN_DATA_MONTHS} mois.`, 'periode_invalide', { champ: 'from' });
  return { from, to };
}

// ——— Places (national standard) ———

/** French titles and descriptions of the standard's fields (the standard v1.0.2, La MedNum, ANCT). */
const PLACE_FIELD_DOCS: Record<StandardField, [title: string, description: string]> = {
  id: ['Identifiant unique local du lieu', 'Identifiant unique du lieu chez le producteur de la donnée.'],
  pivot: ['SIRET ou RNA ou RIDET', 'SIRET (14 chiffres), SIREN ou RNA de la structure qui porte le lieu ; 00000000000000 s’il n’est pas connu.'],
  nom: ['Nom', 'Nom du lieu.'],
  commune: ['Commune', 'Nom de la commune de l’adresse du lieu.'],
  code_postal: ['Code postal', 'Code postal de l’adresse du lieu.'],
  code_insee: ['Code INSEE', 'Code officiel géographique de la commune du lieu.'],
  adresse: ['Adresse', 'Numéro et voie de l’adresse du lieu.'],
  complement_adresse: ['Complément d’adresse', 'Précision sur l’adresse (bâtiment, étage).'],
  latitude: ['Latitude', 'Latitude du lieu, WGS84, en degrés décimaux (point décimal).'],
  longitude: ['Longitude', 'Longitude du lieu, WGS84, en degrés décimaux (point décimal).'],
  typologie: ['Typologie', 'Types de la structure (codes du standard, par exemple CCAS, ASSO, BIB), séparés par « | ».'],
  telephone: ['Numéro de téléphone', 'Téléphone du lieu au format international, sans espace (par exemple +33240000000).'],
  courriels: ['Courriel(s)', 'Adresses électroniques de contact du lieu, séparées par « | ».'],
  site_web: ['Site web', 'Adresses web du lieu, séparées par « | ».'],
  horaires: ['Horaires', 'Horaires d’ouverture dans la syntaxe OpenStreetMap opening_hours.'],
  presentation_resume: ['Présentation résumé', 'Courte présentation du lieu (280 caractères au plus).'],
  presentation_detail: ['Présentation détaillée', 'Présentation détaillée du lieu.'],
  source: ['Structure collectant la donnée', 'Structure qui a collecté la donnée.'],
  itinerance: ['Itinérance', 'Lieu fixe ou itinérant.'],
  structure_parente: ['Structure parente', 'Réseau ou structure auquel le lieu appartient.'],
  date_maj: ['Date de mise à jour', 'Date de la dernière mise à jour de la fiche (AAAA-MM-JJ).'],
  services: ['Services', 'Services d’inclusion numérique proposés, valeurs du standard séparées par « | ».'],
  publics_specifiquement_adresses: ['Publics spécifiquement adressés', 'Publics que le lieu accueille en particulier, séparés par « | ».'],
  prise_en_charge_specifique: ['Prise en charge spécifique', 'Handicaps et besoins que le lieu sait accompagner, séparés par « | ».'],
  frais_a_charge: ['Frais à charge', 'Conditions financières d’accès au lieu.'],
  dispositif_programmes_nationaux: ['Dispositifs et programmes nationaux', 'Dispositifs et programmes nationaux dont le lieu fait partie, séparés par « | ».'],
  formations_labels: ['Formations et labels', 'Formations suivies et labels obtenus par le lieu, séparés par « | ».'],
  autres_formations_labels: ['Autres formations et labels', 'Autres formations et labels, en texte libre.'],
  modalites_acces: ['Modalités d’accès', 'Comment accéder au service du lieu, séparées par « | ».'],
  modalites_accompagnement: ['Modalités d’accompagnement', 'Types d’accompagnement proposés, séparés par « | ».'],
  fiche_acces_libre: ['Fiche Accès libre', 'Adresse de la fiche du lieu sur acceslibre.beta.gouv.fr (accessibilité).'],
  prise_rdv: ['Prise de rendez-vous', 'Adresse du site de prise de rendez-vous du lieu.'],
};

/** Patterns of the standard's fields that have one besides the enumerations (the standard's TableSchema v1.0.2). */
const PLACE_PATTERNS: Partial<Record<StandardField, string>> = {
  pivot: '^[a-zA-Z0-9]{9,14}$',
  code_postal: '^\\d{5}$',
  code_insee: '^([013-9]\\d|2[AB1-9])\\d{3}$',
  telephone: '^(\\+33|\\+590|\\+594|\\+262|\\+596|\\+269|\\+687|\\+689|\\+508|\\+681)(\\d){6,9}$',
};

function placeField(name: StandardField): TableSchemaField {
  const [title, description] = PLACE_FIELD_DOCS[name];
  const enumeration = (ENUMERATED_FIELDS as Partial<Record<StandardField, readonly string[]>>)[name];
  const pattern = enumeration ? listPattern(enumeration) : PLACE_PATTERNS[name];
  const type: TableSchemaType = name === 'latitude' || name === 'longitude' ? 'number' : name === 'date_maj' ? 'date' : 'string';
  return {
    name,
    title,
    description,
    type,
    ...(type === 'date' ? { format: 'default' as const } : {}),
    constraints: {
      required: REQUIRED_FIELDS.includes(name),
      ...(name === 'id' ? { unique: true } : {}),
      ...(pattern ? { pattern } : {}),
      ...(name === 'presentation_resume' ? { maxLength: 280 } : {}),
    },
  };
}

export function placesSchema(): TableSchema {
  return {
    $schema: TABLE_SCHEMA,
    name: 'lieux-mediation-numerique',
    title: 'Lieux de médiation numérique',
    description: `Lieux actifs de la plateforme au standard national des lieux de médiation numérique ${STANDARD_VERSION} (La MedNum, ANCT), réimportables tels quels. Une cellule vide est un champ non renseigné.`,
    version: STANDARD_VERSION,
    created: CREATED,
    updated: lastChange(),
    homepage: 'https://github.com/LaMednum/standard-mediation-num',
    licenses: [{ ...LICENCE }],
    missingValues: [''],
    primaryKey: 'id',
    fields: STANDARD_FIELDS.map(placeField),
  };
}

// ——— The catalogue ———

export const DATASETS = [
  { name: 'lieux', file: 'lieux.csv', schemaFile: 'lieux.schema.json', title: 'Lieux de médiation numérique (standard national)', schema: placesSchema },
  { name: 'activite-communes', file: 'activite-communes.csv', schemaFile: 'activite-communes.schema.json', title: 'Activité par commune et par mois', schema: activitySchema },
] as const;
export type DatasetName = (typeof DATASETS)[number]['name'];

/** The frictionless Data Package listing the resources; `base` prefixes the paths (an URL for the API, '' for files). */
export function dataPackage(options: { base?: string; from: string; to: string; created?: string }) {
  const base = options.base ?? '';
  return {
    profile: 'tabular-data-package',
    name: 'inclusif-donnees-ouvertes',
    title: 'Données ouvertes de l’inclusion numérique',
    description: `Lieux de médiation numérique et activité agrégée par commune et par mois (${options.from} à ${options.to}), règles de confidentialité appliquées (voir README.md).`,
    version: OPEN_DATA_VERSION,
    ...(options.created ? { created: options.created } : {}),
    licenses: [{ ...LICENCE }],
    resources: DATASETS.map((dataset) => ({
      name: dataset.name,
      title: dataset.title,
      path: `${base}${dataset.file}`,
      schema: `${base}${dataset.schemaFile}`,
      profile: 'tabular-data-resource',
      format: 'csv',
      mediatype: 'text/csv',
      encoding: 'utf-8',
      licenses: [{ ...LICENCE }],
    })),
  };
}

// ——— Changelog and README ———

export function renderChangelog(): string {
  const lines = ['# Journal des modifications des données ouvertes', '', 'Chaque version des jeux de données (colonnes, définitions, règles de confidentialité). Ce fichier est produit par `src/pilotage/domain/open-data.ts`.', ''];
  for (const entry of [...OPEN_DATA_CHANGELOG].reverse()) {
    lines.push(`## ${entry.version} — ${entry.date}`, '');
    for (const change of entry.changes) lines.push(`- ${change}`);
    lines.push('');
  }
  return lines.join('\n');
}

export interface PrivacyRules {
  /** Cells counting fewer distinct people are withheld. */
  threshold: number;
  /** Public counts below this are rounded. */
  roundBelow: number;
  /** How they are rounded, in French (« au multiple de 5 le plus proche »). */
  rounding: string;
  /** How the larger ones are rounded (« au multiple de 10 le plus proche »). */
  roundingAbove: string;
}

/** The rules of the public audience, read from privacy.ts (the one place that applies them). */
export const PUBLIC_PRIVACY_RULES: PrivacyRules = {
  threshold: K_ANONYMITY,
  roundBelow: PUBLIC_ROUNDING.below,
  rounding: `au multiple de ${PUBLIC_ROUNDING.step} le plus proche`,
  roundingAbove: `au multiple de ${PUBLIC_ROUNDING.aboveStep} le plus proche`,
};

export function renderReadme(rules: PrivacyRules = PUBLIC_PRIVACY_RULES): string {
  const columns = OPEN_DATA_INDICATORS.map((id) => `- \`${openDataColumn(id)}\` — ${INDICATORS[id].label} : ${INDICATORS[id].definition}`);
  const estimateColumns = OPEN_DATA_INDICATORS.filter((id) => INDICATORS[id].estimate).map((id) => `\`${openDataColumn(id)}\``);
  const estimates = estimateColumns.join(', ');
  return [
    '# Données ouvertes de l’inclusion numérique',
    '',
    `Version ${OPEN_DATA_VERSION}. Licence : [${LICENCE.title}](${LICENCE.path}) (Etalab 2.0) : réutilisation libre, y compris commerciale, en citant la source « plateforme Numérique inclusif » et la date de mise à jour.`,
    '',
    '## Fichiers',
    '',
    ...DATASETS.map((d) => `- \`${d.file}\` — ${d.title} ; schéma (Table Schema) : \`${d.schemaFile}\``),
    '- `datapackage.json` — la liste des ressources (Data Package)',
    '- `CHANGELOG.md` — les versions des jeux de données',
    '',
    'Format : CSV en UTF-8 sans BOM, virgule comme séparateur, point décimal, première ligne d’en-tête. Chaque fichier est valide au regard de son schéma.',
    '',
    '## Activité par commune et par mois',
    '',
    'Une ligne par commune et par mois où il y a eu de l’activité. Colonnes publiées (celles que le dictionnaire des indicateurs marque « données ouvertes ») :',
    '',
    ...columns,
    '',
    'Une activité qui ne peut pas être rattachée à une commune (par exemple un carnet remis sans commune déclarée) n’apparaît dans aucune ligne : la somme des communes peut être inférieure aux totaux départementaux publiés ailleurs.',
    'Les montants des chèques ne sont pas publiés : la valeur faciale d’un programme étant connue, ils révéleraient les comptes exacts que l’arrondi protège.',
    '',
    '## Règles de confidentialité appliquées',
    '',
    `1. **Secret statistique (seuil de ${rules.threshold})** : une case qui compte moins de ${rules.threshold} personnes distinctes n’est pas publiée. La cellule est vide et le nom de sa colonne figure dans \`${WITHHELD_COLUMN}\`.`,
    '2. **Masquage complémentaire** : quand une case masquée pourrait être retrouvée par différence avec un total (le département du mois), une autre case est masquée aussi, de la même façon (cellule vide, colonne nommée dans `valeurs_masquees`).',
    `3. **Arrondi** : les comptes inférieurs à ${rules.roundBelow} sont arrondis ${rules.rounding}, les autres ${rules.roundingAbove}. Les comptes publiés ne sont donc pas exacts et leurs sommes peuvent différer des totaux.`,
    `4. **Estimation** : ${estimates} ${estimateColumns.length > 1 ? 'sont des estimations' : 'est une estimation'} : les participants sont comptés à chaque séance, une personne venue deux fois compte deux fois ; ${estimateColumns.length > 1 ? 'elles sont comptées' : 'elle est comptée'} à part des personnes accompagnées avec le pass, jamais additionnée à elles.`,
    '5. Aucune donnée ne désigne une personne, une structure ou un lieu : l’activité n’est publiée qu’agrégée par commune et par mois.',
    '',
    'Convention : une cellule vide est toujours une valeur masquée ; une activité nulle s’écrit 0.',
    '',
  ].join('\n');
}
