import type { Principal } from '../accounts/domain/principal.js';

/**
 * A few key numbers of the pilotage shown on another context's page (the funder report, the hub's places), with
 * the link to the whole dashboard. The pages only draw it (views/_dashboard-summary.njk); app.ts hands them the
 * pilotage's use case (pilotage/use-cases/summary.ts), so that no context's HTTP imports another's.
 */
export interface DashboardSummary {
  href: string;
  title: string;
  updated: string;
  cards: { label: string; text: string; amount: string | null; note: string | null }[];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The key numbers of a pilotage query the principal may read, or null when it may not (set by app.ts). */
    dashboardSummary?: (principal: Principal, query: Record<string, string>) => Promise<DashboardSummary | null>;
  }
}
