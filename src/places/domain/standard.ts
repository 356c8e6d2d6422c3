/**
 * The "Standard de données des lieux de médiation numérique" v1.0.2 (La MedNum, ANCT; Licence Ouverte 2.0): its
 * fields in file order and every enumeration, as the TableSchema defines them. Values are kept exactly as the
 * schema writes them, since the export must pass its patterns.
 */
export const STANDARD_VERSION = 'v1.0.2';

export const STANDARD_FIELDS = [
  'id', 'pivot', 'nom', 'commune', 'code_postal', 'code_insee', 'adresse', 'complement_adresse', 'latitude', 'longitude',
  'typologie', 'telephone', 'courriels', 'site_web', 'horaires', 'presentation_resume', 'presentation_detail', 'source',
  'itinerance', 'structure_parente', 'date_maj', 'services', 'publics_specifiquement_adresses',
  'prise_en_charge_specifique', 'frais_a_charge', 'dispositif_programmes_nationaux', 'formations_labels',
  'autres_formations_labels', 'modalites_acces', 'modalites_accompagnement', 'fiche_acces_libre', 'prise_rdv',
] as const;
export type StandardField = (typeof STANDARD_FIELDS)[number];

export const REQUIRED_FIELDS: readonly StandardField[] = ['id', 'pivot', 'nom', 'commune', 'code_postal', 'adresse', 'date_maj'];

export const MOBILITY = [
  "Itinérant",
  "Fixe",
] as const;

export const SERVICES = [
  "Aide aux démarches administratives",
  "Maîtrise des outils numériques du quotidien",
  "Insertion professionnelle via le numérique",
  "Utilisation sécurisée du numérique",
  "Parentalité et éducation avec le numérique",
  "Loisirs et créations numériques",
  "Compréhension du monde numérique",
  "Accès internet et matériel informatique",
  "Acquisition de matériel informatique à prix solidaire",
] as const;

export const PUBLICS = [
  "Jeunes",
  "Étudiants",
  "Familles et/ou enfants",
  "Seniors",
  "Femmes",
] as const;

export const SPECIFIC_SUPPORT = [
  "Surdité",
  "Handicaps moteurs",
  "Handicaps mentaux",
  "Illettrisme",
  "Langues étrangères (anglais)",
  "Langues étrangères (autres)",
  "Déficience visuelle",
] as const;

export const COSTS = [
  "Gratuit",
  "Gratuit sous condition",
  "Payant",
] as const;

export const NATIONAL_PROGRAMMES = [
  "Aidants Connect",
  "Bibliothèques numérique de référence",
  "Certification PIX",
  "Conseillers numériques",
  "Emmaüs Connect",
  "France Services",
  "Grande école du numérique",
  "La Croix Rouge",
  "Point d'accès numérique CAF",
  "Promeneurs du net",
  "Relais numérique (Emmaüs Connect)",
] as const;

export const TRAINING_LABELS = [
  "Formé à « Mon Espace Santé »",
  "Formé à « DUPLEX » (illettrisme)",
  "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
  "Collectif ressources et acteurs réemploi (Normandie)",
  "Étapes numériques(La Poste)",
  "Fabriques de Territoire",
  "Les Éclaireurs du numérique (Drôme)",
  "Mes Papiers (Métropole de Lyon)",
  "ORDI 3.0",
  "SUD LABS (PACA)",
] as const;

export const ACCESS_MODES = [
  "Se présenter",
  "Téléphoner",
  "Contacter par mail",
  "Prendre un RDV en ligne",
  "Ce lieu n'accueille pas de public",
  "Envoyer un mail avec une fiche de prescription",
] as const;

export const SUPPORT_MODES = [
  "En autonomie",
  "Accompagnement individuel",
  "Dans un atelier collectif",
  "À distance",
] as const;

/** typologie is free text in the schema; the reference implementation accepts these codes. */
export const TYPOLOGIES: Record<string, string> = {
  "ACI": "Structures porteuses d’ateliers et chantiers d’insertion",
  "ACIPHC": "SIAE — Atelier chantier d’insertion premières heures en chantier",
  "AFPA": "Agence nationale pour la formation professionnelle des adultes",
  "AI": "Associations intermédiaires",
  "ASE": "Aide sociale à l’enfance",
  "ASSO": "Associations",
  "ASSO_CHOMEUR": "Associations de chômeurs",
  "Autre": "Autre",
  "AVIP": "Crèche à vocation d'insertion professionnelle",
  "BIB": "Bibliothèque / Médiathèque",
  "CAARUD": "Centre d'accueil et d'accompagnement à la réduction de risques pour usagers de drogues",
  "CADA": "Centres d’accueil de demandeurs d’asile",
  "CAF": "Caisses d’allocation familiale",
  "CAP_EMPLOI": "Cap Emploi",
  "CAVA": "Centres d’adaptation à la vie active",
  "CC": "Communautés de Commune",
  "CCAS": "Centres communaux d’action sociale",
  "CCONS": "Chambres consulaires",
  "CD": "Conseils Départementaux",
  "CDAS": "Centre départemental d'action sociale",
  "CFP": "Centre des finances publiques",
  "CHRS": "Centres d’hébergement et de réinsertion sociale",
  "CHU": "Centres d’hébergement d’urgence",
  "CIAS": "Centres intercommunaux d’action sociale",
  "CIDFF": "Centres d’information sur les droits des femmes et des familles",
  "CITMET": "Cité des métiers",
  "CMP": "Centre Médico Psychologique",
  "CMS": "Centre médico-social",
  "CPAM": "Caisse primaire d'assurance maladie",
  "CPH": "Centres provisoires d’hébergement",
  "CS": "Centre social",
  "CSAPA": "- Centre de soins, d'accompagnement et de prévention en addictologie",
  "CSC": "Centre socioculturel",
  "DEETS": "Directions de l’Economie, de l’Emploi, du Travail et des Solidarités",
  "DEPT": "Services sociaux du Conseil départemental",
  "DIPLP": "Délégation interministérielle à la prévention et à la lutte contre la pauvreté",
  "E2C": "École de la deuxième chance",
  "EA": "Entreprise adaptée",
  "EATT": "Entreprise adaptée",
  "EI": "Entreprises d’insertion",
  "EITI": "Entreprises d’insertion par le travail indépendant",
  "ENM": "Espace Numérique Mobile",
  "EPCI": "Intercommunalité",
  "EPI": "Espace Public Internet",
  "EPIDE": "Établissement pour l'insertion dans l'emploi",
  "EPN": "Espace publique numérique",
  "ES": "Épicerie solidaire",
  "ESAT": "Établissements ou services d'aide par le travail",
  "ESS": "Entreprise def l'Économie Sociale et Solidaire",
  "ETTI": "Entreprises de travail temporaire d’insertion",
  "EVS": "Espace de vie sociale",
  "FABLAB": "Fablab",
  "FABRIQUE": "Fabrique",
  "FAIS": "Fédérations d’acteurs de l’insertion et de la solidarité",
  "FT": "France travail",
  "GEIQ": "Groupements d’employeurs pour l’insertion et la qualification",
  "HUDA": "Hébergement d'urgence pour demandeurs d'asile",
  "LA_POSTE": "La Poste",
  "MDE": "Maison de l'emploi",
  "MDH": "Maison des Habitants",
  "MDEF": "Maison de l'emploi et de la formation",
  "MDPH": "Maison Départementale des Personnes Handicapées",
  "MDS": "Maison Départementale des Solidarités",
  "MJC": "Maison des jeunes et de la culture",
  "ML": "Mission Locale",
  "MQ": "Maison de quartier",
  "MSA": "Mutualité Sociale Agricole",
  "MSAP": "Maison de Services Au Public",
  "MUNI": "Municipalités",
  "OACAS": "Structures agréées Organisme d’accueil communautaire et d’activité solidaire",
  "ODC": "Organisation délégataire d'un CD",
  "OF": "Organisme de formations",
  "OIL": "Opérateur d'intermédiation locative",
  "OPCS": "Organisation porteuse de la clause sociale",
  "PAD": "Point d'Accès au Droit",
  "PENSION": "Pension de famille",
  "PI": "Point info",
  "PIJ_BIJ": "Points et bureaux information jeunesse",
  "PIMMS": "Point Information Médiation Multi Services",
  "PJJ": "Protection judiciaire de la jeunesse",
  "PLIE": "Plans locaux pour l’insertion et l’emploi",
  "PREF": "Préfecture, Sous-Préfecture",
  "PREVENTION": "Service ou club de prévention",
  "REG": "Région",
  "RELAIS_LECTURE": "Relais lecture",
  "RESSOURCERIE": "Ressourcerie",
  "RFS": "Réseau France Services",
  "RS_FJT": "Résidence sociale - Foyer de Jeunes Travailleurs",
  "SCP": "Services et clubs de prévention",
  "SPIP": "Services pénitentiaires d’insertion et de probation",
  "TIERS_LIEUX": "Tiers lieu & coworking",
  "UDAF": "Union Départementale d’Aide aux Familles",
};

/** The multi-valued fields that take values from an enumeration, and that enumeration. */
export const ENUMERATED_FIELDS = {
  itinerance: MOBILITY,
  services: SERVICES,
  publics_specifiquement_adresses: PUBLICS,
  prise_en_charge_specifique: SPECIFIC_SUPPORT,
  frais_a_charge: COSTS,
  dispositif_programmes_nationaux: NATIONAL_PROGRAMMES,
  formations_labels: TRAINING_LABELS,
  modalites_acces: ACCESS_MODES,
  modalites_accompagnement: SUPPORT_MODES,
} as const satisfies Partial<Record<StandardField, readonly string[]>>;
export type EnumeratedField = keyof typeof ENUMERATED_FIELDS;

/** Spellings producers use that mean a value of the schema (see the standard's "traps"). */
export const VALUE_ALIASES: Record<string, string> = {
  'Étapes numériques (La Poste)': 'Étapes numériques(La Poste)',
  'Ce lieu n’accueille pas de public': "Ce lieu n'accueille pas de public",
};

/** Services of the v0.1.1 standard and the v1 service each became: an import option for older datasets. */
export const V0_SERVICES: Record<string, (typeof SERVICES)[number]> = {
  'Prendre en main un smartphone ou une tablette': 'Maîtrise des outils numériques du quotidien',
  'Prendre en main un ordinateur': 'Maîtrise des outils numériques du quotidien',
  'Utiliser le numérique au quotidien': 'Maîtrise des outils numériques du quotidien',
  'Approfondir ma culture numérique': 'Compréhension du monde numérique',
  'Promouvoir la citoyenneté numérique': 'Compréhension du monde numérique',
  'Favoriser mon insertion professionnelle': 'Insertion professionnelle via le numérique',
  'Créer et développer mon entreprise': 'Insertion professionnelle via le numérique',
  'Accéder à une connexion internet': 'Accès internet et matériel informatique',
  'Accéder à du matériel': 'Accès internet et matériel informatique',
  'Équiper en matériel informatique': 'Acquisition de matériel informatique à prix solidaire',
  'Créer avec le numérique': 'Loisirs et créations numériques',
  'Réaliser des démarches administratives avec un accompagnement': 'Aide aux démarches administratives',
  'Devenir autonome dans les démarches administratives': 'Aide aux démarches administratives',
  'Accompagner les démarches de santé': 'Aide aux démarches administratives',
  'Soutenir la parentalité et l’éducation avec le numérique': 'Parentalité et éducation avec le numérique',
};

/** Aggregators write this pivot when they do not know the SIRET: it identifies nothing. */
export const UNKNOWN_PIVOT = '00000000000000';
