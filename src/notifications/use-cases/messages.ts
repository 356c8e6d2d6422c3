import type { MailMessage } from '../../shared/mailer.js';
import { capitalise, ofInstitution, plural, pluralCapitalised, withArticle, withPreposition } from '../../shared/french.js';
import { frenchDay } from '../../shared/dates.js';
import type { NotificationKind } from '../domain/kinds.js';
import type { NudgeFacts } from '../../pilotage/domain/nudges.js';
import { nudgeText } from '../../pilotage/use-cases/nudge-texts.js';

/** What the texts need, read from the journal row and the tables when the event is recorded. */
export type EventText =
  | { kind: 'label_application'; labelId: number; placeId: number; placeName: string; commune: string }
  | { kind: 'bank_details'; placeId: number; placeName: string; commune: string; enteredBy: string }
  | { kind: 'order_paid'; orderId: number; programmeName: string; bookletCount: number }
  | { kind: 'booklets_allocated'; orderId: number; programmeName: string; bookletCount: number; funderName: string; recipientName: string }
  | { kind: 'label_decided'; placeId: number; placeName: string; decision: 'label.approved' | 'label.refused' | 'label.suspended' | 'label.reinstated'; reason: string | null; validUntil: string | null }
  | { kind: 'bank_details_refused'; placeId: number; placeName: string; reason: string }
  | { kind: 'pilotage_nudge'; nudge: NudgeFacts; link: string };

export interface Described {
  subject: string;
  body: string;
  /** The page that acts on it (a path; e-mails prefix PUBLIC_URL). */
  link: string;
}

/** The words of the button or the e-mail line that leads to the page acting on it. */
export const ACTION_LABELS: Record<NotificationKind | 'expiry', string> = {
  label_application: 'Examiner la demande',
  bank_details: 'Vérifier et confirmer',
  order_paid: 'Attribuer les carnets',
  booklets_allocated: 'Voir les carnets à remettre',
  label_decided: 'Voir le label du lieu',
  bank_details_refused: 'Saisir de nouvelles coordonnées',
  pilotage_nudge: 'Voir et agir',
  expiry: 'Remettre les carnets',
};

export function describe(text: EventText): Described {
  switch (text.kind) {
    case 'label_decided': {
      const why = text.reason ? ` Motif : ${text.reason}` : '';
      const subjects = {
        'label.approved': `Label accordé : ${text.placeName}`,
        'label.refused': `Demande de label refusée : ${text.placeName}`,
        'label.suspended': `Label suspendu : ${text.placeName}`,
        'label.reinstated': `Label rétabli : ${text.placeName}`,
      } as const;
      const bodies = {
        'label.approved': `Le label est accordé ${withPreposition('à', text.placeName)}${text.validUntil ? ` jusqu’au ${frenchDay(text.validUntil)}` : ''} : ses médiateurs peuvent encaisser les chèques des programmes acceptés.${why}`,
        'label.refused': `La demande de label ${ofInstitution(text.placeName)} est refusée.${why} Vous pouvez la présenter de nouveau une fois les critères remplis.`,
        'label.suspended': `Le label ${ofInstitution(text.placeName)} est suspendu : aucun chèque n’y est encaissé tant qu’il n’est pas rétabli.${why}`,
        'label.reinstated': `Le label ${ofInstitution(text.placeName)} est rétabli : les chèques peuvent de nouveau y être encaissés.${why}`,
      } as const;
      return { subject: subjects[text.decision], body: bodies[text.decision], link: `/lieux/${text.placeId}/label` };
    }
    case 'pilotage_nudge':
      return { ...nudgeText(text.nudge), link: text.link };
    case 'bank_details_refused':
      return {
        subject: `Coordonnées bancaires refusées : ${text.placeName}`,
        body: `Les coordonnées bancaires saisies pour ${withArticle(text.placeName)} ont été refusées. Motif : ${text.reason} Saisissez-en de nouvelles : aucun remboursement n’est versé avant qu’elles soient confirmées.`,
        link: `/lieux/${text.placeId}/banque`,
      };
    case 'label_application':
      return {
        subject: `Demande de label à examiner : ${text.placeName}`,
        body: `${capitalise(withArticle(text.placeName))} (${text.commune}) demande le label. La demande attend la décision du hub du territoire ou de l’administration nationale.`,
        link: `/labels/${text.labelId}`,
      };
    case 'bank_details':
      return {
        subject: `Coordonnées bancaires à confirmer : ${text.placeName}`,
        body: `${text.enteredBy} a saisi de nouvelles coordonnées bancaires pour ${withArticle(text.placeName)} (${text.commune}). Aucun remboursement n’y sera versé avant qu’une deuxième personne les vérifie sur le RIB et les confirme.`,
        link: `/lieux/${text.placeId}/banque`,
      };
    case 'order_paid': {
      const many = text.bookletCount > 1;
      return {
        subject: `Commande n° ${text.orderId} payée : ${plural(text.bookletCount, 'carnet')} à attribuer`,
        body: `Le paiement de la commande n° ${text.orderId} (programme « ${text.programmeName} ») est enregistré. ${pluralCapitalised(text.bookletCount, 'carnet')} ${many ? 'sont actifs' : 'est actif'} : attribuez-les aux structures prescriptrices pour qu’ils soient remis aux personnes.`,
        link: `/commandes/${text.orderId}`,
      };
    }
    case 'booklets_allocated': {
      const many = text.bookletCount > 1;
      return {
        subject: `${pluralCapitalised(text.bookletCount, 'carnet')} ${many ? 'attribués' : 'attribué'} ${withPreposition('à', text.recipientName)}`,
        body: `${capitalise(withArticle(text.funderName))} a attribué ${plural(text.bookletCount, 'carnet')} du programme « ${text.programmeName} » (commande n° ${text.orderId}) ${withPreposition('à', text.recipientName)} : ${many ? 'ils peuvent être remis' : 'il peut être remis'} aux personnes accompagnées.`,
        link: '/carnets',
      };
    }
  }
}

/** One e-mail per recipient (nobody sees the others' addresses), with the link to the page that acts on it. */
export function notificationMail(to: string, kind: NotificationKind, event: Described, publicUrl: string): MailMessage {
  const base = publicUrl.replace(/\/$/, '');
  return {
    to: [to],
    subject: event.subject,
    text: ['Bonjour,', '', event.body, '', `${ACTION_LABELS[kind]} : ${base}${event.link}`, '', `Toutes vos notifications : ${base}/notifications`].join('\n'),
  };
}
