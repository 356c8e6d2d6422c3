import type { AdviceLine } from '../domain/recommendation.js';
import type { DiagnosticSummary } from '../use-cases/summary.js';

export interface AdviceLink {
  text: string;
  /** The places search it links to, from the person's commune when known; null when it links nowhere. */
  href: string | null;
  label: string | null;
}

/** Each advice with its link to the places search (the matching services, from the person's commune). */
export function adviceLinks(advice: readonly AdviceLine[], summary: Pick<DiagnosticSummary, 'orientation' | 'near'>): AdviceLink[] {
  const near = summary.orientation?.origin.communeCode ?? summary.near;
  return advice.map(({ text, search }) => {
    if (!search) return { text, href: null, label: null };
    const query = new URLSearchParams();
    if (near) query.set('near', near);
    for (const service of search.services) query.append('service', service);
    for (const mode of search.supportModes) query.append('supportMode', mode);
    if (search.acceptsPass) query.set('acceptsPass', '1');
    return { text, href: `/lieux?${query.toString()}`, label: search.label };
  });
}
