import type { SwaggerTransform } from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';

/**
 * The OpenAPI document of /api/v1 (served on /api/v1/openapi.json): every operation has a French summary and
 * description, tags of its context, a schema for its successful answer and the shared error schema for its refusals
 * (test/integration/http/openapi.test.ts checks it). Pages are not part of it.
 */

/** The tags of the document, one or more per context, in the order a reader meets them. */
export const OPENAPI_TAGS = [
  { name: 'comptes', description: 'Comptes et organisations : mon compte, mes jetons d’API, organisations et leurs types, membres, invitations, nouveau mot de passe.' },
  { name: 'territoires', description: 'Territoires : référentiel des communes, des arrondissements de Paris, Lyon et Marseille et des départements (INSEE, codes postaux) ; le résolveur de toutes les saisies de commune.' },
  { name: 'programmes', description: 'Pass numérique — programmes : territoire, valeur faciale, validité, cofinanceurs et leur accord.' },
  { name: 'commandes', description: 'Pass numérique — commandes de carnets d’un financeur : émission, paiement, annulation, impression.' },
  { name: 'carnets', description: 'Pass numérique — carnets : attribution à une structure prescriptrice, remise à une personne (profil pseudonyme), solde, déblocage.' },
  { name: 'chèques', description: 'Pass numérique — chèques : encaissement par un lieu labellisé, annulation, expiration.' },
  { name: 'financeurs', description: 'Pass numérique — rapport d’un financeur : ce que chaque commande a produit, public atteint, progrès mesurés.' },
  { name: 'grand livre', description: 'Pass numérique — grand livre en partie double : vérification que chaque euro est justifié.' },
  { name: 'lieux', description: 'Lieux de médiation : recherche de proximité, fiche, enregistrement, import et export au standard national.' },
  { name: 'labels', description: 'Lieux de médiation — labellisation : grille de critères, demandes, décisions du hub ou de l’administration.' },
  { name: 'remboursements', description: 'Remboursement des lieux : coordonnées bancaires (deux personnes), remboursements par lots, relevés, virements SEPA.' },
  { name: 'diagnostic', description: 'Kit d’intervention rapide — diagnostic adaptatif sans compte : questions, résultat, orientation vers les lieux.' },
  { name: 'accompagnements', description: 'Kit d’intervention rapide — ateliers et accompagnements enregistrés par un médiateur, chèques des participants encaissés.' },
  { name: 'pilotage', description: 'Pilotage : indicateurs du dictionnaire (docs/INDICATEURS.md) par territoire, période, financeur, programme, structure ou lieu, ventilés ; le périmètre vient des politiques, les cases de moins de 5 personnes sont masquées ; variante publique au niveau open data.' },
  { name: 'données ouvertes', description: 'Données ouvertes (Licence Ouverte 2.0) : lieux au standard national et activité agrégée par commune et par mois, chaque CSV avec son schéma (Table Schema), le catalogue (Data Package), le journal des modifications et les règles de confidentialité.' },
  { name: 'notifications', description: 'Notifications : ce qui attend la personne (demandes de label, coordonnées bancaires, carnets qui expirent) et les informations qui la concernent, lues ou non.' },
];

/** The body of every refusal (the error handler of src/app.ts): a stable code and a French message. */
export const apiError = z
  .looseObject({
    error: z.string().describe('code stable du refus, par exemple « introuvable », « interdit », « requete_invalide »'),
    message: z.string().describe('explication en français, à montrer telle quelle à la personne'),
  })
  .meta({
    id: 'Erreur',
    description: 'Refus : un code stable et un message en français. Certains refus ajoutent des détails (issues : les champs refusés ; errors : les lignes refusées d’un fichier).',
  });

const REFUSALS = {
  400: 'Requête invalide : un champ manque ou n’a pas la bonne forme (le message nomme les champs).',
  401: 'Authentification requise : en-tête « Authorization: Bearer <jeton> » absent, jeton inconnu ou révoqué.',
  403: 'Refusé : votre rôle ou votre organisation ne permet pas cette action sur cette ressource.',
  404: 'Introuvable : la ressource n’existe pas ou ne vous est pas visible.',
  409: 'Conflit : l’état de la ressource ne permet pas l’action (déjà fait, pas encore possible).',
  410: 'Plus valable : la ressource a expiré.',
  422: 'Refus métier : la demande est bien formée mais une règle l’interdit (le message l’explique).',
  429: 'Trop de tentatives : patientez avant de réessayer.',
} as const;
export type RefusalStatus = keyof typeof REFUSALS;

const SUCCESS: Record<string, string> = {
  200: 'Succès.',
  201: 'Créé.',
  202: 'Demande acceptée.',
  204: 'Fait ; pas de contenu en retour.',
};

/** The refusals of a route that needs a token: invalid request, no token, not allowed, and those named. */
export function apiErrors<const S extends RefusalStatus = never>(...statuses: S[]): Record<400 | 401 | 403 | S, typeof apiError> {
  return publicApiErrors<RefusalStatus>(400, 401, 403, ...statuses) as Record<400 | 401 | 403 | S, typeof apiError>;
}

/** The refusals of a route open without a token: only those named. */
export function publicApiErrors<const S extends RefusalStatus = never>(...statuses: S[]): Record<S, typeof apiError> {
  return Object.fromEntries(statuses.map((status) => [status, apiError])) as Record<S, typeof apiError>;
}

/** A file answer (CSV, PDF, XML): documented by its media type, sent as is (a string, a buffer or a stream, never serialised). */
export function fileResponse(mediaTypes: string | string[], description: string) {
  const file = (mediaType: string) => z.any().meta({ type: 'string', ...(mediaType.startsWith('text/') || mediaType.endsWith('xml') || mediaType.endsWith('json') ? {} : { format: 'binary' }), description });
  return { description, content: Object.fromEntries(([] as string[]).concat(mediaTypes).map((mediaType) => [mediaType, { schema: file(mediaType) }])) };
}

/**
 * An object whose named fields are documented and checked, and whose other fields are let through (not stripped):
 * for answers built by a use case that may gain fields. Typed as a plain object, so that interfaces fit.
 */
export const openObject = <T extends z.ZodRawShape>(shape: T): z.ZodObject<T> => z.looseObject(shape) as unknown as z.ZodObject<T>;

/** An ISO 8601 date-time, as the API writes every instant. */
export const isoDateTime = z.string().describe('date et heure ISO 8601 (UTC)');
export const iso = (value: Date | string): string => new Date(value).toISOString();
export const isoOrNull = (value: Date | string | null | undefined): string | null => (value === null || value === undefined ? null : new Date(value).toISOString());

const ERROR_REF = { $ref: '#/components/schemas/Erreur' };

/**
 * The zod transform of fastify-type-provider-zod, plus: routes outside /api/ (pages, static files) are left out;
 * the refusals every route can give are added when the route does not name them (400: the input guards and
 * validation; 401 and 403: the route gate, for a route that needs a token); each answer gets a French description
 * from its status.
 */
export const openApiTransform: SwaggerTransform = (input) => {
  if (!input.url.startsWith('/api/')) return { schema: { hide: true }, url: input.url };
  const output = jsonSchemaTransform(input as Parameters<typeof jsonSchemaTransform>[0]) as { schema: Record<string, unknown> & { response?: Record<string, Record<string, unknown>> }; url: string };
  if (output.schema.hide) return output;
  const security = output.schema.security as Record<string, unknown>[] | undefined;
  const open = security !== undefined && (security.length === 0 || security.some((requirement) => Object.keys(requirement).length === 0));
  const responses = (output.schema.response ??= {});
  for (const status of open ? [400] : [400, 401, 403]) responses[status] ??= { ...ERROR_REF };
  for (const [status, response] of Object.entries(responses)) {
    const description = (REFUSALS as Record<string, string>)[status] ?? SUCCESS[status] ?? 'Réponse.';
    if (typeof response.$ref === 'string') responses[status] = { description, content: { 'application/json': { schema: response } } };
    else if (response.content) response.description ??= description;
    else response['x-response-description'] ??= (response.description as string | undefined) ?? description;
  }
  return output;
};
