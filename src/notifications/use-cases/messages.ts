import type { MailMessage } from '../../shared/mailer.js';
import { capitalise, plural, pluralCapitalised, withArticle, withPreposition } from '../../shared/french.js';
import type { NotificationKind } from '../domain/kinds.js';

/** What the texts need, read from the journal row and the tables when the event is recorded. */
export type EventText =
  | { kind: 'label_application'; labelId: number; placeId: number; placeName: string; commune: string }
  | { kind: 'bank_details'; placeId: number; placeName: string; commune: string; enteredBy: string }
  | { kind: 'order_paid'; orderId: number; programmeName: string; bookletCount: number }
  | { kind: 'booklets_allocated'; orderId: number; programmeName: string; bookletCount: number; funderName: string; recipientName: string };

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
  expiry: 'Remettre les carnets',
};

export function describe(text: EventText): Described {
  switch (text.kind) {
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
