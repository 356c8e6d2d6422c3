import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireApiPrincipal } from '../../http/auth.js';
import { apiErrors, iso } from '../../http/openapi.js';
import { nudgeEffect } from '../use-cases/nudges.js';
import { readSleeping, sleepingQuery } from '../use-cases/sleeping.js';

const kind = z.enum(['allocated_not_handed', 'handed_unused', 'few_redemptions', 'close_to_expiry']);
const setting = z.object({
  kind,
  enabled: z.boolean(),
  thresholdDays: z.number().int().describe('seuil en jours entiers'),
  minRedemptions: z.number().int().nullable().describe('lieux : nombre minimum d’encaissements sur la période'),
  period: z.enum(['week', 'month']).describe('une relance au plus par semaine ISO ou par mois (heure de Paris)'),
});
const sleepingSchema = z.object({
  settings: z.array(setting),
  allocated: z.array(z.object({ organisationId: z.number(), organisationName: z.string(), booklets: z.number(), oldestAllocation: z.string() })).describe('carnets attribués, pas encore remis, par structure prescriptrice'),
  handed: z
    .array(z.object({ organisationId: z.number(), organisationName: z.string(), communeCode: z.string().nullable(), communeName: z.string(), booklets: z.number(), oldestHandOut: z.string() }))
    .describe('carnets remis jamais utilisés, par structure et commune des personnes ; moins de 5 carnets : « autres communes » (code null)'),
  places: z.array(z.object({ placeId: z.number(), placeName: z.string(), communeName: z.string(), organisationId: z.number().nullable(), organisationName: z.string().nullable(), redemptions: z.number() })).describe('lieux labellisés acceptant le pass avec peu d’encaissements'),
  expiring: z
    .array(z.object({ orderId: z.number(), programmeName: z.string(), organisationId: z.number(), organisationName: z.string(), holder: z.enum(['funder', 'prescriber']), vouchers: z.number(), handedVouchers: z.number(), firstExpiry: z.string() }))
    .describe('chèques encore valables proches de l’échéance, par commande et détenteur'),
  effects: z.array(z.object({ kind, organisationId: z.number(), organisationName: z.string(), periodKey: z.string(), sentAt: z.string(), before: z.number(), after: z.number(), complete: z.boolean(), text: z.string() })).describe('effet des relances envoyées : 4 semaines après contre 4 semaines avant'),
});

export const sleepingApi: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.platform;
  app.get(
    '/pilotage/sleeping',
    {
      schema: {
        tags: ['pilotage'],
        summary: 'Chèques et carnets qui dorment, et l’effet des relances',
        description:
          'Les carnets attribués non remis (par structure prescriptrice), remis mais jamais utilisés (par structure et commune, les communes de moins de 5 carnets regroupées), les lieux labellisés avec peu d’encaissements, les chèques proches de l’échéance (par commande et détenteur), avec les seuils réglés et l’effet des relances envoyées. Périmètre : un prescripteur ses carnets, un financeur ceux de ses commandes, un hub ses départements, l’administration tout. Aucune ligne ne désigne une personne.',
        querystring: sleepingQuery,
        response: { 200: sleepingSchema, ...apiErrors() },
      },
    },
    async (request) => {
      const principal = requireApiPrincipal(request);
      const report = await readSleeping(db, principal, request.query);
      const effects = await nudgeEffect(db, principal);
      return {
        settings: Object.values(report.settings),
        allocated: report.allocated.map((r) => ({ ...r, oldestAllocation: iso(r.oldestAllocation) })),
        handed: report.handed.map((r) => ({ ...r, oldestHandOut: iso(r.oldestHandOut) })),
        places: report.places,
        expiring: report.expiring.map((r) => ({ ...r, firstExpiry: iso(r.firstExpiry) })),
        effects: effects.map((e) => ({ kind: e.kind, organisationId: e.organisationId, organisationName: e.organisationName, periodKey: e.periodKey, sentAt: iso(e.sentAt), before: e.before, after: e.after, complete: e.complete, text: e.text })),
      };
    },
  );
};
