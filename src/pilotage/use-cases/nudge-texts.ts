import { frenchDay } from '../../shared/dates.js';
import { frenchList, plural, pluralCapitalised } from '../../shared/french.js';
import { EFFECT_WEEKS, NUDGE_EFFECT_MEASURE, type NudgeFacts } from '../domain/nudges.js';
import type { NudgeKind } from '../domain/sleeping.js';

/**
 * The French of the nudges (inbox entry and e-mail) and of their effect, from the facts journaled with each nudge.
 * Pure, but here rather than in domain/ because it writes French with shared/french.ts (plurals, no-break spaces).
 */

export interface NudgeText {
  subject: string;
  body: string;
}

const days = (n: number) => plural(n, 'jour');

export function nudgeText(facts: NudgeFacts): NudgeText {
  const n = facts.count;
  const many = n > 1;
  const since = facts.since ? frenchDay(facts.since) : null;
  switch (facts.kind) {
    case 'allocated_not_handed':
      return {
        subject: `${pluralCapitalised(n, 'carnet')} ${many ? 'attribués' : 'attribué'} depuis ${days(facts.thresholdDays)} ${many ? 'n’ont' : 'n’a'} pas été remis`,
        body:
          `${plural(n, 'carnet')} ${many ? 'attribués' : 'attribué'} à ${facts.organisationName} depuis ${days(facts.thresholdDays)} ou plus ${many ? 'attendent' : 'attend'} encore d’être remis à une personne` +
          `${since ? ` (${many ? 'le plus ancien' : 'attribué'} le ${since})` : ''}. Remettez-${many ? 'les' : 'le'} aux personnes que vous accompagnez, ou signalez au financeur ceux qui ne trouveront pas preneur.`,
      };
    case 'handed_unused':
      return {
        subject: `${pluralCapitalised(n, 'carnet')} remis depuis ${days(facts.thresholdDays)} ${many ? 'n’ont' : 'n’a'} jamais servi`,
        body:
          `Aucun chèque de ${many ? `ces ${plural(n, 'carnet')}` : 'ce carnet'} remis par ${facts.organisationName} depuis ${days(facts.thresholdDays)} ou plus n’a été utilisé` +
          `${since ? ` (${many ? 'la plus ancienne remise' : 'remis'} le ${since})` : ''}. Vous pouvez rappeler les personnes pour les orienter vers un lieu labellisé ; le nombre par commune est sur la page des chèques qui dorment.`,
      };
    case 'few_redemptions': {
      const min = facts.minRedemptions ?? 1;
      const what = min === 1 ? `${many ? 'n’ont' : 'n’a'} encaissé aucun chèque` : `${many ? 'ont' : 'a'} encaissé moins de ${plural(min, 'chèque')}`;
      const names = facts.places?.length ? ` : ${frenchList(facts.places)}` : '';
      return {
        subject: `${pluralCapitalised(n, 'lieu', 'lieux')} ${what} en ${days(facts.thresholdDays)}`,
        body: `${pluralCapitalised(n, 'lieu labellisé', 'lieux labellisés')} de ${facts.organisationName} ${what} ces ${days(facts.thresholdDays)}${names}. Vérifiez que leur fiche est à jour (horaires, services, programmes acceptés) et faites connaître l’offre aux prescripteurs du territoire.`,
      };
    }
    case 'close_to_expiry':
      return {
        subject: `${pluralCapitalised(n, 'chèque')} ${many ? 'expirent' : 'expire'} dans moins de ${days(facts.thresholdDays)}`,
        body:
          `${plural(n, 'chèque')} ${facts.holder === 'funder' ? 'de carnets pas encore attribués' : 'de carnets'} que détient ${facts.organisationName} ${many ? 'arrivent' : 'arrive'} à échéance dans moins de ${days(facts.thresholdDays)}` +
          `${since ? ` (${many ? 'le premier' : 'il expire'} le ${since})` : ''}. ${facts.holder === 'funder' ? 'Attribuez les carnets aux structures prescriptrices' : 'Remettez les carnets, ou rappelez les personnes qui les ont reçus'} pour que leur valeur serve avant l’échéance.`,
      };
  }
}

/** « 12 carnets remis dans les 4 semaines suivant la relance du 3 novembre 2025, contre 2 avant ». */
export function effectText(kind: NudgeKind, sentAt: Date, after: number, before: number, complete: boolean, now = new Date()): string {
  if (!complete && after === 0 && now.getTime() - sentAt.getTime() < 86_400_000) return `Relance envoyée le ${frenchDay(sentAt)} : trop tôt pour en mesurer l’effet (${before} dans les ${plural(EFFECT_WEEKS, 'semaine')} d’avant)`;
  const measure = NUDGE_EFFECT_MEASURE[kind];
  const what = measure === 'handouts' ? pluralCapitalised(after, 'carnet remis', 'carnets remis') : pluralCapitalised(after, 'chèque encaissé', 'chèques encaissés');
  const weeks = plural(EFFECT_WEEKS, 'semaine');
  return complete
    ? `${what} dans les ${weeks} suivant la relance du ${frenchDay(sentAt)}, contre ${before} avant`
    : `${what} depuis la relance du ${frenchDay(sentAt)} (les ${weeks} ne sont pas écoulées), contre ${before} dans les ${weeks} d’avant`;
}
