import type { FastifyPluginAsync } from 'fastify';
import { renderPage } from '../../http/page.js';
import { DomainError } from '../../shared/errors.js';
import { parisDay } from '../../shared/dates.js';
import { DATASETS, LICENCE, OPEN_DATA_CHANGELOG, OPEN_DATA_VERSION, parseOpenDataPeriod, PUBLIC_PRIVACY_RULES, type OpenDataPeriod } from '../domain/open-data.js';
import { OPEN_DATA_PREFIX } from './open-data-api.js';

const TYPE_LABELS: Record<string, string> = { string: 'texte', integer: 'nombre entier', number: 'nombre décimal', date: 'date (AAAA-MM-JJ)', yearmonth: 'mois (AAAA-MM)' };

/** `/donnees-ouvertes`: the datasets, their columns (from their Table Schemas), licence, privacy rules and changelog; no JavaScript needed. */
export const openDataPages: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: Record<string, string> }>('/donnees-ouvertes', async (request, reply) => {
    const today = parisDay();
    let period: OpenDataPeriod = parseOpenDataPeriod({}, today);
    let error: string | undefined;
    let status = 200;
    try {
      period = parseOpenDataPeriod({ from: request.query.from, to: request.query.to }, today);
    } catch (refusal) {
      if (!(refusal instanceof DomainError)) throw refusal;
      error = refusal.message;
      status = 400;
    }
    const periodLabel = period.from === period.to ? `mois ${period.from}` : `mois ${period.from} à ${period.to}`;
    return renderPage(
      request,
      reply,
      'donnees-ouvertes.njk',
      {
        title: 'Données ouvertes',
        error,
        prefix: OPEN_DATA_PREFIX,
        licence: LICENCE,
        version: OPEN_DATA_VERSION,
        period,
        rules: PUBLIC_PRIVACY_RULES,
        typeLabels: TYPE_LABELS,
        changelog: [...OPEN_DATA_CHANGELOG].reverse(),
        datasets: DATASETS.map((dataset) => ({
          name: dataset.name,
          title: dataset.title,
          file: dataset.file,
          schemaFile: dataset.schemaFile,
          schema: dataset.schema(),
          query: dataset.name === 'activite-communes' ? `?from=${period.from}&to=${period.to}` : '',
          periodLabel,
        })),
      },
      status,
    );
  });
};
