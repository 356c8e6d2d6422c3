/**
 * What the mandatory pages of a public service state about the platform itself (the operator's own details come from
 * the configuration): the accessibility declaration (RGAA), the personal data kept and for how long, the public pages.
 * Written once here; the pages, the footer and the tests read it.
 */

/**
 * No complete RGAA audit has been made: the law (article 47 of law 2005-102, RGAA 4.1.2) then requires the service to
 * declare itself « non conforme », whatever the automated checks say.
 */
export const ACCESSIBILITY_STATUS = 'non conforme';
export const RGAA_VERSION = '4.1.2';
/** When this declaration was written (AAAA-MM-JJ); update it with the list below. */
export const ACCESSIBILITY_DECLARED_ON = '2026-12-03';

/**
 * The pages checked on every change by the automated journeys (test/e2e): axe-core reports no violation on each, in
 * Chromium, several at 360 px wide and without JavaScript.
 */
export const AUDITED_PAGES: { label: string; path: string }[] = [
  { label: 'Accueil', path: '/' },
  { label: 'Connexion', path: '/connexion' },
  { label: 'Mon carnet (solde d’un carnet, sans compte)', path: '/carnet' },
  { label: 'Page publique d’un chèque', path: '/c/…' },
  { label: 'Trouver un lieu (recherche, carte, liste)', path: '/lieux' },
  { label: 'Fiche d’un lieu', path: '/lieux/…' },
  { label: 'Données ouvertes', path: '/donnees-ouvertes' },
  { label: 'Diagnostic (questions, résultat, synthèse)', path: '/diagnostic' },
  { label: 'Mon espace', path: '/espace' },
  { label: 'Mes jetons d’API', path: '/espace/jetons' },
  { label: 'Commandes et carnets d’une commande', path: '/commandes' },
  { label: 'Carnets à remettre', path: '/carnets' },
  { label: 'Encaisser un chèque', path: '/encaisser' },
  { label: 'Ateliers et accompagnements', path: '/accompagnements' },
  { label: 'Mes lieux, fiche et label d’un lieu', path: '/mes-lieux' },
  { label: 'Labels et lieux, import, doublons', path: '/labels' },
  { label: 'Coordonnées bancaires d’un lieu', path: '/lieux/…/banque' },
  { label: 'Remboursements et relevés', path: '/remboursements' },
  { label: 'Rapport d’un financeur', path: '/financeurs/…/rapport' },
  { label: 'Mon organisation', path: '/organisation' },
  { label: 'Notifications', path: '/notifications' },
  { label: 'Pilotage (tableaux de bord, graphiques et leurs tableaux)', path: '/pilotage' },
  { label: 'Mentions légales, accessibilité, données personnelles, plan du site', path: '/accessibilite' },
];

/** What is known not to be accessible, and the accessible way around it. */
export const NOT_ACCESSIBLE: string[] = [
  'La carte des lieux n’est pas utilisable au clavier ni avec un lecteur d’écran ; la liste au-dessous donne les mêmes lieux, avec leur adresse et leurs horaires.',
  'Les documents PDF (carnets à imprimer, relevés de remboursement, synthèse du diagnostic, rapport d’un financeur) ne sont pas balisés pour les lecteurs d’écran ; la synthèse et le rapport existent en page web, les relevés et le rapport en CSV.',
  'La lecture du QR code d’un chèque par la caméra n’a pas d’équivalent vocal ; le code se tape aussi au clavier, dans le même champ.',
  'Aucun test n’a encore été fait avec des personnes utilisant un lecteur d’écran, une loupe ou une commande vocale.',
];

/** What the automated journeys check beyond axe-core, page by page (they are not a manual RGAA audit). */
export const JOURNEY_CHECKS: string[] = [
  'affichage sur un écran de 360 pixels de large : la page ne défile pas de côté, le menu s’ouvre, les tableaux larges défilent dans leur cadre et leurs boutons d’action restent visibles ;',
  'cadres de tableaux atteignables et déroulables au clavier ;',
  'fonctionnement sans JavaScript des pages utiles aux personnes sans compte (mon carnet, page d’un chèque, diagnostic, recherche de lieux, pages obligatoires) et du menu ;',
  'aucune erreur JavaScript au chargement, sous la politique de sécurité des contenus du site ;',
  'messages d’erreur des formulaires affichés en français à côté de leur champ.',
];

/** The personal data the platform keeps, and for how long: what the tables of src/db/schema.ts hold. */
export interface DataCategory {
  title: string;
  /** What is stored, in plain French. */
  stored: string;
  /** Who it concerns. */
  about: string;
  /** How long, and whether the platform deletes it by itself. */
  retention: string;
}

export function dataCategories(limits: { sessionDays: number; invitationDays: number; resetMinutes: number }): DataCategory[] {
  return [
    {
      title: 'Comptes des professionnels',
      about: 'prescripteurs, médiateurs, financeurs, hubs, aidants, administration',
      stored: 'adresse e-mail, nom affiché, empreinte du mot de passe (argon2id, jamais le mot de passe lui-même), organisations et rôles.',
      retention: 'tant que le compte existe ; un membre retiré d’une organisation perd ses droits et ses sessions aussitôt.',
    },
    {
      title: 'Sessions, jetons d’API, invitations, liens de mot de passe',
      about: 'les mêmes personnes',
      stored: `empreinte (SHA-256) de chaque session, jeton ou lien, jamais sa valeur ; nom et premiers caractères des jetons, date de création et de dernière utilisation ; adresse e-mail et rôle des personnes invitées.`,
      retention: `une session vaut ${limits.sessionDays} jours, une invitation ${limits.invitationDays} jours, un lien de mot de passe ${limits.resetMinutes} minutes ; un jeton jusqu’à sa révocation (choisir un nouveau mot de passe les révoque tous). Les lignes expirées restent en base jusqu’à une purge par l’opérateur.`,
    },
    {
      title: 'Protection contre les tentatives répétées',
      about: 'toute personne qui se connecte ou consulte un carnet',
      stored: 'compteurs de tentatives par adresse IP et par empreinte de l’adresse e-mail tapée ; nombre de codes secrets erronés par carnet.',
      retention: 'les compteurs ne comptent que sur 1 à 60 minutes ; ils restent en base jusqu’à une purge par l’opérateur.',
    },
    {
      title: 'Profil pseudonyme des personnes accompagnées',
      about: 'les personnes qui reçoivent un carnet de chèques',
      stored: 'aucun nom, aucune adresse, aucun téléphone : seulement, sur le carnet remis, la tranche d’âge (16-24 ans … 75 ans et plus), la situation (demandeur d’emploi, bénéficiaire du RSA, retraité, en emploi, en formation, en situation de handicap, autre), la commune (code INSEE) et le niveau du diagnostic, chacun facultatif (« non renseigné ») ; puis l’usage de chaque chèque (date et lieu).',
      retention: 'tant que les chèques du carnet servent de pièces justificatives aux remboursements et aux rapports des financeurs, dix ans au plus ; pas encore de suppression automatique.',
    },
    {
      title: 'Diagnostics',
      about: 'toute personne qui fait le diagnostic, avec ou sans aide',
      stored: 'les réponses aux questions (équipement, connexion, appréhension, compétences), le niveau et la recommandation, la commune ou le code postal donnés pour trouver un lieu, et le carnet quand le diagnostic lui est relié ; aucun nom. Le diagnostic n’est retrouvé que par son identifiant aléatoire ou par le numéro et le code secret du carnet.',
      retention: 'tant que le programme mesure les progrès des personnes, trois ans au plus ; pas encore de suppression automatique.',
    },
    {
      title: 'Ateliers et accompagnements',
      about: 'les participants',
      stored: 'pour chaque participant : le chèque encaissé, l’autonomie observée et l’orientation, sans nom.',
      retention: 'comme les chèques : pièces justificatives, dix ans au plus.',
    },
    {
      title: 'Lieux de médiation et leurs coordonnées bancaires',
      about: 'les structures et leurs médiateurs',
      stored: 'la fiche publique du lieu (adresse, téléphone, courriels, horaires) ; titulaire, IBAN et BIC du compte qui reçoit les remboursements, avec qui les a saisis et confirmés.',
      retention: 'tant que le lieu est actif ; les coordonnées bancaires, comme les relevés de remboursement, dix ans (pièces comptables).',
    },
    {
      title: 'Journal',
      about: 'les professionnels qui agissent',
      stored: 'qui (compte professionnel) a fait quoi, quand, sur quelle commande, quel carnet, quel chèque ou quel lieu : commandes, remises, encaissements, labels, coordonnées bancaires, jetons, mots de passe.',
      retention: 'conservé pour rendre compte de l’argent public, dix ans au plus ; il ne contient aucun nom de personne accompagnée.',
    },
    {
      title: 'Courriels et notifications',
      about: 'les professionnels',
      stored: 'l’objet, le texte et l’état d’envoi des notifications (invitations, liens de mot de passe, avertissements d’expiration, actions à faire).',
      retention: 'tant que le compte existe ; pas encore de suppression automatique.',
    },
  ];
}

/** The technical cookies the platform sets: no audience measurement, no advertising, nothing from third parties. */
export const cookies = (sessionDays: number): { name: string; purpose: string; lifetime: string }[] => [
  { name: 'ni_session', purpose: 'garder la personne connectée à son espace professionnel', lifetime: `${sessionDays} jours, ou jusqu’à la déconnexion` },
  { name: '_csrf', purpose: 'vérifier qu’un formulaire envoyé vient bien de ce site', lifetime: 'la durée de la visite' },
  { name: 'ni_flash', purpose: 'afficher une seule fois le message qui suit un formulaire (« Enregistré »)', lifetime: '2 minutes' },
];
