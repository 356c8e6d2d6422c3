import { allows, type PermissionTable } from '../../accounts/domain/permissions.js';
import type { Principal } from '../../accounts/domain/principal.js';

/** The pass numérique: programmes, orders, booklets, vouchers (docs/PERMISSIONS.md is rendered from this table). */
export const PASS_PERMISSIONS = {
  'programme.read': { label: 'voir les programmes', scopes: { signed_in: 'all' } },
  'programme.create': {
    label: 'créer un programme, modifier ses cofinanceurs',
    scopes: { funder: 'all', hub: 'all', admin: 'all' },
    conditions: 'chaque cofinanceur est une organisation de type financeur et accepte sa part avant toute commande',
  },
  'programme.cofunding.decide': { label: 'accepter ou refuser une part de cofinancement', scopes: { funder: 'own', admin: 'all' }, conditions: 'la part de sa propre organisation' },
  'order.read': { label: 'voir les commandes', scopes: { funder: 'own', admin: 'all' } },
  'order.place': { label: 'commander des carnets', scopes: { funder: 'own' }, conditions: 'cofinanceur du programme ; toutes les parts acceptées' },
  'order.issue': { label: 'émettre les carnets d’une commande', scopes: { admin: 'all' } },
  'order.payment': { label: 'enregistrer le paiement d’une commande', scopes: { admin: 'all' } },
  'order.cancel': { label: 'annuler une commande non payée', scopes: { funder: 'own', admin: 'all' } },
  'booklets.print': {
    label: 'télécharger les carnets à imprimer',
    scopes: { funder: 'own', admin: 'all' },
    conditions: 'les codes secrets des carnets déjà remis à une personne ne sont jamais affichés',
  },
  'booklets.allocate': { label: 'attribuer des carnets à une structure prescriptrice', scopes: { funder: 'own' } },
  'booklets.read_allocated': { label: 'voir les carnets attribués à sa structure', scopes: { prescriber: 'own' } },
  'booklets.hand': { label: 'remettre un carnet à une personne', scopes: { prescriber: 'own' } },
  'booklet.unlock': {
    label: 'débloquer un carnet après trop de codes secrets erronés',
    scopes: { prescriber: 'own', funder: 'own', admin: 'all' },
    conditions: 'la structure à qui le carnet est attribué, ou le financeur de sa commande',
  },
  'booklet.balance': { label: 'consulter le solde d’un carnet avec son numéro et son code secret', scopes: { anonymous: 'all' }, conditions: 'limité par client et par carnet (blocage après 10 erreurs)' },
  'voucher.public': { label: 'voir la page publique d’un chèque (cible de son QR code)', scopes: { anonymous: 'all' } },
  'voucher.redeem': { label: 'encaisser un chèque', scopes: { mediator: 'own' }, conditions: 'lieu actif, labellisé, du territoire, acceptant le programme et offrant un service éligible' },
  'voucher.undo': { label: 'annuler un encaissement', scopes: { mediator: 'own' }, conditions: 'avec confirmation et motif ; jamais un chèque remboursé ou compté dans un atelier' },
  'redemptions.read': { label: 'voir les encaissements', scopes: { mediator: 'own', funder: 'own', admin: 'all' } },
  'report.read': { label: 'lire le rapport d’un financeur (page, CSV, PDF)', scopes: { funder: 'own', admin: 'all' } },
  'vouchers.expire': { label: 'faire expirer les chèques échus', scopes: { admin: 'all' } },
  'ledger.verify': { label: 'vérifier le grand livre', scopes: { admin: 'all' } },
  'operator.console': { label: 'console de l’opérateur', scopes: { admin: 'all' } },
  'voucher.search': {
    label: 'chercher un chèque ou un carnet par son code ou son numéro, lister les chèques (statut, historique)',
    scopes: { admin: 'all' },
    conditions: 'les codes des chèques et l’historique complet ne sont montrés qu’à l’opérateur',
  },
  'report.index': { label: 'voir la liste des financeurs et le lien vers le rapport de chacun', scopes: { admin: 'all' } },
} satisfies PermissionTable;

/** What the PIN rule needs of a booklet. */
export interface BookletFacts {
  handed: boolean;
  funderOrganisationId: number;
  allocatedOrganisationId: number | null;
}

/**
 * A booklet's PIN is shown to whoever prints it (the funder of its order, the operator) only until the booklet is
 * handed to a person: from then on it is that person's secret.
 */
export const canSeeBookletPin = (principal: Principal, booklet: BookletFacts): boolean =>
  !booklet.handed && allows(principal, PASS_PERMISSIONS['booklets.print'], { organisationIds: [booklet.funderOrganisationId] });

export const canUnlockBooklet = (principal: Principal, booklet: BookletFacts): boolean =>
  allows(principal, PASS_PERMISSIONS['booklet.unlock'], { organisationIds: [booklet.allocatedOrganisationId, booklet.funderOrganisationId] });

export const canReadOrder = (principal: Principal, funderOrganisationId: number): boolean =>
  allows(principal, PASS_PERMISSIONS['order.read'], { organisationIds: [funderOrganisationId] });

/** Whether the principal may withdraw an unpaid order of this funder (the order's page shows the button on this). */
export const canCancelOrder = (principal: Principal, funderOrganisationId: number): boolean =>
  allows(principal, PASS_PERMISSIONS['order.cancel'], { organisationIds: [funderOrganisationId] });

export const canReadFunderReport = (principal: Principal, funderOrganisationId: number): boolean =>
  allows(principal, PASS_PERMISSIONS['report.read'], { organisationIds: [funderOrganisationId] });

export const canDecideCofunding = (principal: Principal, cofunderOrganisationId: number): boolean =>
  allows(principal, PASS_PERMISSIONS['programme.cofunding.decide'], { organisationIds: [cofunderOrganisationId] });

export const canCreateProgramme = (principal: Principal): boolean => allows(principal, PASS_PERMISSIONS['programme.create']);

/** The operator's search and list of vouchers and booklets: codes and whole histories, the operator only. */
export const canSearchVouchers = (principal: Principal): boolean => allows(principal, PASS_PERMISSIONS['voucher.search']);

/** The index of every funder's report: the operator only (each funder reaches its own report from its menu). */
export const canListFunderReports = (principal: Principal): boolean => allows(principal, PASS_PERMISSIONS['report.index']);

/**
 * The desk's action on a voucher's page (/c/{code}): offered at the places of the organisations where the principal
 * is a mediator; the redemption guards (redemption-guards.ts) still decide when the form is sent.
 */
export const canRedeemAt = (principal: Principal | null, placeOrganisationId: number | null): boolean =>
  allows(principal, PASS_PERMISSIONS['voucher.redeem'], { organisationIds: [placeOrganisationId] });

/** A redemption is taken back by the mediators of the place that redeemed the voucher, nobody else. */
export const canUndoRedemption = (principal: Principal, placeOrganisationId: number | null): boolean =>
  allows(principal, PASS_PERMISSIONS['voucher.undo'], { organisationIds: [placeOrganisationId] });
