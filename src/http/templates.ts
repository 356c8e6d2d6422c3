import nunjucks from 'nunjucks';
const nunjucksRuntime = nunjucks.runtime;
import type { Config } from '../config.js';
import { ROLE_LABELS } from '../accounts/domain/roles.js';
import { ACCESSIBILITY_STATUS } from '../accounts/domain/public-service.js';
import { formatBookletNumber } from '../pass/domain/booklet-number.js';
import { SITUATIONS } from '../pass/domain/profile.js';
import { VOUCHER_STATUS_LABELS } from '../pass/domain/voucher-labels.js';
import { formatEuros, formatNumber, formatPercent, plural, pluralCapitalised, elide, ofInstitution, ofName, ordinal, withArticle, withPreposition } from '../shared/french.js';
import { frenchDateTime, frenchDay } from '../shared/dates.js';
import { formatDistance } from '../places/domain/geo.js';


const LABEL_ACTIONS: Record<string, string> = {
  'label.applied': 'Demande de label',
  'label.approved': 'Label accordé',
  'label.refused': 'Demande refusée',
  'label.suspended': 'Label suspendu',
  'label.reinstated': 'Label rétabli',
};

export const ORDER_STATUS_LABELS: Record<string, string> = {
  placed: 'Commandée',
  issued: 'Émise, en attente de paiement',
  paid: 'Payée, chèques actifs',
  cancelled: 'Annulée',
};

/** Nunjucks escapes every output by default (autoescape); these filters only format. */
export function configureTemplates(env: nunjucks.Environment, config: Config): void {
  env.addGlobal('service', { name: config.serviceName, operator: config.operatorName, stateBranding: config.stateBranding, accessibilityStatus: ACCESSIBILITY_STATUS });
  env.addFilter('euros', (cents: number) => formatEuros(Number(cents)));
  env.addFilter('date', (value: Date | string | null) => (value ? frenchDay(value) : '—'));
  env.addFilter('datetime', (value: Date | string | null) => (value ? frenchDateTime(value) : '—'));
  env.addFilter('booklet', (value: string) => formatBookletNumber(value));
  env.addFilter('role', (value: keyof typeof ROLE_LABELS) => ROLE_LABELS[value] ?? value);
  env.addFilter('orderStatus', (value: string) => ORDER_STATUS_LABELS[value] ?? value);
  env.addFilter('voucherStatus', (value: keyof typeof VOUCHER_STATUS_LABELS) => VOUCHER_STATUS_LABELS[value] ?? value);
  env.addFilter('situation', (value: keyof typeof SITUATIONS) => SITUATIONS[value] ?? value);
  env.addFilter('km', formatDistance);
  env.addFilter('labelAction', (action: string) => LABEL_ACTIONS[action] ?? action);
  env.addFilter('percent', (basisPoints: number) => formatPercent(Number(basisPoints)));
  env.addFilter('number', (value: number, digits?: number) => formatNumber(Number(value), digits ?? 0));
  // {{ count | plural('lieu', 'lieux') }} → « aucun lieu », « 1 lieu », « 3 lieux »; feminine: plural('place', 'places', true).
  env.addFilter('plural', (count: number, singular: string, pluralForm?: string, feminine?: boolean) => plural(Number(count), singular, pluralForm, { feminine: Boolean(feminine) }));
  env.addFilter('Plural', (count: number, singular: string, pluralForm?: string, feminine?: boolean) => pluralCapitalised(Number(count), singular, pluralForm, { feminine: Boolean(feminine) }));
  // {{ 'de' | elide(name) }} → « d’Espace Lumière », « de Nantes »; {{ name | ofName }} → « du Rhône », « de l’Ain ».
  env.addFilter('elide', (word: 'de' | 'le' | 'la' | 'que', name: string) => elide(word, String(name ?? '')));
  env.addFilter('ofName', (name: string) => ofName(String(name ?? '')));
  // {{ organisation.name | ofInstitution }} → « de l’État — ANCT », « du Centre social », « de la CAF », « de Nantes ».
  env.addFilter('ofInstitution', (name: string) => ofInstitution(String(name ?? '')));
  // A flash or alert message as safe HTML: the text escaped, then its web addresses made clickable links.
  env.addFilter('linkify', (text: string) => new nunjucksRuntime.SafeString(linkify(String(text ?? ''))));
  // {{ name | withArticle }} → « la Médiathèque … »; {{ name | preposition('à') }} → « au Centre social … ».
  env.addFilter('withArticle', (name: string) => withArticle(String(name ?? '')));
  env.addFilter('preposition', (name: string, preposition: 'de' | 'à' | 'par') => withPreposition(preposition, String(name ?? '')));
  env.addFilter('ordinal', (value: number, feminine?: boolean) => ordinal(Number(value), Boolean(feminine)));
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);

/** Escapes the text, then turns each http(s) address into a link (a trailing full stop or comma stays text). */
export function linkify(text: string): string {
  return escapeHtml(text).replace(/https?:\/\/[^\s<>"'&]+/g, (url) => {
    const trimmed = url.replace(/[.,;:!?)]+$/, '');
    return `<a href="${trimmed}">${trimmed}</a>${url.slice(trimmed.length)}`;
  });
}
