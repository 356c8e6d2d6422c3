import type { FastifyPluginAsync } from 'fastify';
import { requirePagePrincipal } from '../../http/auth.js';
import { listView, readListQuery, type FilterDefinition } from '../../http/list-query.js';
import { renderPage, withFormErrors } from '../../http/page.js';
import { findForOperator, listFunders, requireSearcher } from '../use-cases/operator-search.js';
import { vouchersList } from './list-pages.js';

/**
 * The operator's tools around the console (/admin): the search of a voucher or a booklet as printed, with its
 * status and history; the list of every voucher; the index of the funders' reports. The use cases ask the policies
 * (voucher.search, report.index: the operator only).
 */
export const operatorPages: FastifyPluginAsync = async (app) => {
  const { db, secret } = app.platform;

  app.get('/admin/recherche', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const raw = (request.query as Record<string, unknown>).q;
    const q = (typeof raw === 'string' ? raw : '').trim().slice(0, 200);
    const page = { title: 'Chercher un chèque ou un carnet', q };
    requireSearcher(principal);
    if (!q) return renderPage(request, reply, 'operator-search.njk', page);
    return withFormErrors(
      async () => renderPage(request, reply, 'operator-search.njk', { ...page, title: `Recherche : ${q}`, found: await findForOperator(db, secret, principal, q) }),
      ({ message: error, status }) => renderPage(request, reply, 'operator-search.njk', { ...page, error }, status),
    );
  });

  app.get('/admin/cheques', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return renderPage(request, reply, 'vouchers-list.njk', { title: 'Chèques', ...(await vouchersList(db, secret, principal, request.query)) });
  });

  const funderFilters: FilterDefinition[] = [{ name: 'nom', label: 'Nom du financeur', kind: 'text', maxLength: 100 }];
  app.get('/admin/rapports', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const list = readListQuery(request.query, funderFilters);
    const { funders, page } = await listFunders(db, principal, { name: list.filters.nom || undefined }, list.request);
    return renderPage(request, reply, 'funder-reports.njk', { title: 'Rapports des financeurs', funders, page, list: listView('/admin/rapports', list, funderFilters, page) });
  });
};
