import { DomainError } from '../../shared/errors.js';
import type { VoucherStatus } from '../../db/schema.js';
import type { CodeVerdict } from './voucher-code.js';

const dateFr = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Paris' });
const dayFr = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' });

export function codeRefusal(verdict: Extract<CodeVerdict, { ok: false }>): DomainError {
  switch (verdict.reason) {
    case 'format':
      return new DomainError('invalid', 'code_mal_forme', 'Ce code n’a pas la bonne forme : un code de chèque compte 15 caractères (lettres et chiffres, sans 0, 1, I, L, O, U ni Z).');
    case 'typo':
      return new DomainError('invalid', 'erreur_de_saisie', 'Ce code contient une erreur de saisie : vérifiez chaque caractère et réessayez.');
    case 'forged':
      return new DomainError('invalid', 'code_non_authentique', 'Ce code n’a pas été émis par la plateforme : ce chèque n’est pas authentique.');
  }
}

export interface VoucherFacts {
  status: VoucherStatus;
  expiresAt: Date;
  redeemedAt: Date | null;
  redeemedPlaceName: string | null;
  allowDirectHanding: boolean;
}

export interface PlaceFacts {
  active: boolean;
  inProgrammeTerritory: boolean;
  labelValid: boolean;
  acceptsProgramme: boolean;
  offersEligibleService: boolean;
}

/**
 * Why a redemption was refused, with the HTTP status the API answers: the happy path is a single guarded
 * UPDATE; when it updates nothing, these facts say which guard failed. Checked in the order a mediator needs.
 */
export function explainRefusal(voucher: VoucherFacts | null, place: PlaceFacts | null, now: Date): DomainError {
  if (!voucher) return new DomainError('not_found', 'cheque_inconnu', 'Ce chèque est inconnu : aucun chèque émis ne correspond à ce code.');
  if (voucher.status === 'redeemed') {
    const at = voucher.redeemedAt ?? now;
    return new DomainError('conflict', 'deja_encaisse', `Ce chèque a déjà été utilisé le ${dateFr.format(at)} à « ${voucher.redeemedPlaceName ?? 'un autre lieu'} ».`, {
      redeemedAt: at.toISOString(),
      placeName: voucher.redeemedPlaceName,
    });
  }
  if (voucher.status === 'cancelled') return new DomainError('gone', 'cheque_annule', 'Ce chèque a été annulé : il ne peut plus être utilisé.');
  if (voucher.status === 'expired' || voucher.expiresAt <= now) {
    return new DomainError('gone', 'cheque_expire', `Ce chèque a expiré le ${dayFr.format(voucher.expiresAt)} : il ne peut plus être utilisé.`, { expiresAt: voucher.expiresAt.toISOString() });
  }
  if (!place) return new DomainError('forbidden', 'lieu_non_autorise', 'Vous n’êtes pas médiateur de ce lieu : vous ne pouvez pas y encaisser de chèque.');
  if (!place.active) return new DomainError('forbidden', 'lieu_inactif', 'Ce lieu n’est pas actif : il ne peut pas encaisser de chèque.');
  if (!place.inProgrammeTerritory) return new DomainError('forbidden', 'hors_territoire', 'Ce chèque appartient à un programme d’un autre territoire : votre lieu ne peut pas l’encaisser.');
  if (!place.labelValid) return new DomainError('forbidden', 'lieu_non_labellise', 'Ce lieu n’a pas de label valide aujourd’hui : il ne peut pas encaisser de chèque. Le hub de votre territoire examine les demandes de label.');
  if (!place.acceptsProgramme) return new DomainError('forbidden', 'programme_non_accepte', 'Ce lieu n’a pas déclaré accepter les chèques de ce programme : cochez-le dans la fiche du lieu.');
  if (!place.offersEligibleService) return new DomainError('forbidden', 'service_non_eligible', 'Votre lieu ne propose aucun des services financés par ce programme.');
  if (voucher.status === 'issued') return new DomainError('forbidden', 'cheque_non_active', 'Ce chèque n’est pas encore activé : le financeur n’a pas encore réglé sa commande.');
  if (voucher.status === 'activated' || (voucher.status === 'allocated' && !voucher.allowDirectHanding)) {
    return new DomainError('forbidden', 'cheque_non_remis', 'Ce chèque n’a pas encore été remis à une personne par un prescripteur.');
  }
  return new DomainError('conflict', 'reessayer', 'Le chèque a changé d’état pendant l’opération : réessayez.');
}
