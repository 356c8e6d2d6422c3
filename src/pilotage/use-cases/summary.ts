import type { Kysely } from 'kysely';
import type { Principal } from '../../accounts/domain/principal.js';
import type { DB } from '../../db/schema.js';
import { DomainError } from '../../shared/errors.js';
import { INDICATORS, type IndicatorId } from '../domain/indicators.js';
import { readIndicators } from './indicators.js';
import { formatValue, updatedText } from './presentation.js';

/** The key numbers another page shows (the funder report, the hub's places). */
export const SUMMARY_INDICATORS: IndicatorId[] = ['vouchers_handed', 'vouchers_redeemed', 'people_reached', 'use_rate'];

/**
 * The key numbers of a pilotage query, read as the dashboard reads them (readIndicators: policies and privacy rules),
 * with the link to the dashboard of the same query; null when the principal may not read it.
 */
export async function dashboardSummary(db: Kysely<DB>, principal: Principal, query: Record<string, string>) {
  let report;
  try {
    report = await readIndicators(db, principal, query);
  } catch (error) {
    if (error instanceof DomainError) return null;
    throw error;
  }
  return {
    href: `/pilotage?${new URLSearchParams(query).toString()}`,
    // A funder's summary covers its programmes wherever they run: « France » alone would read as the whole country.
    title: `Tableau de bord : ${query.funder ? 'programmes de ce financeur' : report.territoryLabel}`,
    updated: updatedText(report),
    cards: SUMMARY_INDICATORS.map((id) => {
      const value = formatValue(id, report.values[id]);
      return { label: INDICATORS[id].label, text: value.text, amount: value.amount, note: value.withheld ? value.reason : value.estimate ? 'estimation' : null };
    }),
  };
}
