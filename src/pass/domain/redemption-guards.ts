import { acceptsProgramme, inProgrammeTerritory, labelValidToday } from '../../places/domain/sql-fragments.js';
import { frenchDay } from '../../shared/dates.js';
import type { RefusalKind } from '../../shared/errors.js';
import { liveVoucherSql } from './voucher-status.js';

const dateTimeFr = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Paris' });

/** What a refusal message may quote, read by the diagnosis query next to the guards' facts. */
export interface RefusalContext {
  expiresAt: Date | null;
  redeemedAt: Date | null;
  redeemedPlaceName: string | null;
  now: Date;
}

/**
 * One rule of redemption. `condition` is SQL over the aliases v (the voucher), pr (its programme) and p (the place
 * the mediator redeems at), with the parameters written {serial}, {placeId} and {organisations} (the mediator's
 * organisations, an array): each builder binds them to its own placeholders. Its fact, for the explanation, is the
 * same condition evaluated by the diagnosis query (false when the voucher or the place is unknown).
 */
export interface RedemptionGuard {
  /** Stable code of the refusal (API clients and tests rely on it). */
  code: string;
  /** The refusal's kind; the HTTP layer maps it to a status. */
  kind: RefusalKind;
  message: (context: RefusalContext) => string;
  details?: (context: RefusalContext) => Record<string, unknown>;
  condition: string;
}

/**
 * The rules of redemption as data, in the order a mediator needs the explanation: the voucher itself, then the
 * place, then the voucher's way to the person. The single prepared statement (ADR 0003) requires every
 * condition; when it updates nothing, the refusal is the first guard whose condition is false.
 */
export const REDEMPTION_GUARDS = [
  {
    code: 'cheque_inconnu',
    kind: 'not_found',
    message: () => 'Ce chèque est inconnu : aucun chèque émis ne correspond à ce code.',
    condition: 'v.serial = {serial}',
  },
  {
    code: 'deja_encaisse',
    kind: 'conflict',
    message: ({ redeemedAt, redeemedPlaceName, now }) => `Ce chèque a déjà été utilisé le ${dateTimeFr.format(redeemedAt ?? now)} à « ${redeemedPlaceName ?? 'un autre lieu'} ».`,
    details: ({ redeemedAt, redeemedPlaceName, now }) => ({ redeemedAt: (redeemedAt ?? now).toISOString(), placeName: redeemedPlaceName }),
    condition: `v.status <> 'redeemed'`,
  },
  {
    code: 'cheque_annule',
    kind: 'gone',
    message: () => 'Ce chèque a été annulé : il ne peut plus être utilisé.',
    condition: `v.status <> 'cancelled'`,
  },
  {
    code: 'cheque_expire',
    kind: 'gone',
    message: ({ expiresAt, now }) => `Ce chèque a expiré le ${frenchDay(expiresAt ?? now)} : il ne peut plus être utilisé.`,
    details: ({ expiresAt, now }) => ({ expiresAt: (expiresAt ?? now).toISOString() }),
    condition: liveVoucherSql('v'),
  },
  {
    code: 'lieu_non_autorise',
    kind: 'forbidden',
    message: () => 'Vous n’êtes pas médiateur de ce lieu : vous ne pouvez pas y encaisser de chèque.',
    condition: 'p.organisation_id = any({organisations})',
  },
  {
    code: 'lieu_inactif',
    kind: 'forbidden',
    message: () => 'Ce lieu n’est pas actif : il ne peut pas encaisser de chèque.',
    condition: 'p.active',
  },
  {
    code: 'hors_territoire',
    kind: 'forbidden',
    message: () => 'Ce chèque appartient à un programme d’un autre territoire : votre lieu ne peut pas l’encaisser.',
    condition: inProgrammeTerritory('p', 'v.programme_id'),
  },
  {
    code: 'lieu_non_labellise',
    kind: 'forbidden',
    message: () => 'Ce lieu n’a pas de label valide aujourd’hui : il ne peut pas encaisser de chèque. Le hub de votre territoire examine les demandes de label.',
    condition: labelValidToday('p'),
  },
  {
    code: 'programme_non_accepte',
    kind: 'forbidden',
    message: () => 'Ce lieu n’a pas déclaré accepter les chèques de ce programme : cochez-le dans la fiche du lieu.',
    condition: acceptsProgramme('p', 'v.programme_id'),
  },
  {
    code: 'service_non_eligible',
    kind: 'forbidden',
    message: () => 'Votre lieu ne propose aucun des services financés par ce programme.',
    condition: '(cardinality(pr.eligible_services) = 0 or pr.eligible_services && p.services)',
  },
  {
    code: 'cheque_non_active',
    kind: 'forbidden',
    message: () => 'Ce chèque n’est pas encore activé : le financeur n’a pas encore réglé sa commande.',
    condition: `v.status <> 'issued'`,
  },
  {
    code: 'cheque_non_remis',
    kind: 'forbidden',
    message: () => 'Ce chèque n’a pas encore été remis à une personne par un prescripteur.',
    condition: `(v.status = 'handed' or (v.status = 'allocated' and pr.allow_direct_handing))`,
  },
] as const satisfies readonly RedemptionGuard[];

export type RedemptionGuardCode = (typeof REDEMPTION_GUARDS)[number]['code'];

/** The parameters a guard names, bound by each builder to its placeholders. */
export type GuardParameters = Record<'serial' | 'placeId' | 'organisations', string>;

export function bindCondition(condition: string, parameters: GuardParameters): string {
  return condition.replace(/\{(serial|placeId|organisations)\}/g, (_, name: keyof GuardParameters) => parameters[name]);
}
