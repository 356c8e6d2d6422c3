import { sql, type Kysely } from 'kysely';
import { allows, reach, reachIsEmpty } from '../../accounts/domain/permissions.js';
import type { Principal } from '../../accounts/domain/principal.js';
import type { DB } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { forbidden, invalid } from '../../shared/errors.js';
import { EFFECT_WEEKS, NUDGE_ACTION, NUDGE_EFFECT_MEASURE, nudgeLink, periodKey, type NudgeFacts } from '../domain/nudges.js';
import { PILOTAGE_PERMISSIONS } from '../domain/policies.js';
import { MIN_REDEMPTIONS_MAX, NUDGE_KINDS, NUDGE_LABELS, NUDGE_PERIODS, THRESHOLD_MAX_DAYS, THRESHOLD_MIN_DAYS, type NudgeKind, type NudgePeriod, type NudgeSetting } from '../domain/sleeping.js';
import { effectText } from './nudge-texts.js';
import { readNudgeSettings, reachCondition, sleepingEverywhere, type NudgeSettings } from './sleeping.js';

/**
 * Nudges: once a day (serve, on every instance) or by `inclusif nudges send`, every organisation over a threshold is
 * told once per period. For each kind and organisation, one transaction inserts nudges_sent (unique per kind,
 * organisation and period: of two instances, the second insert does nothing) and journals 'pilotage.nudge' with
 * what the nudge says; the notifications context turns that journal row into inbox entries and e-mails for the
 * right people (its dispatcher, notifications/domain/kinds.ts), after the commit.
 */

const PLACE_NAMES_IN_TEXT = 5;

/** What would be nudged now, per kind and organisation (the same queries as the page, for every organisation). */
export async function nudgeCandidates(db: Kysely<DB>, now: Date, settings?: NudgeSettings): Promise<NudgeFacts[]> {
  const all = settings ?? (await readNudgeSettings(db));
  const sleeping = await sleepingEverywhere(db, now);
  const facts: NudgeFacts[] = [];
  const key = (kind: NudgeKind) => periodKey(all[kind].period, now);
  if (all.allocated_not_handed.enabled) {
    for (const row of sleeping.allocated) {
      facts.push({ kind: 'allocated_not_handed', organisationId: row.organisationId, organisationName: row.organisationName, holder: 'prescriber', periodKey: key('allocated_not_handed'), thresholdDays: all.allocated_not_handed.thresholdDays, count: row.booklets, since: row.oldestAllocation.toISOString() });
    }
  }
  if (all.handed_unused.enabled) {
    const byOrganisation = new Map<number, NudgeFacts>();
    for (const row of sleeping.handed) {
      const seen = byOrganisation.get(row.organisationId);
      if (seen) {
        seen.count += row.booklets;
        if (seen.since! > row.oldestHandOut.toISOString()) seen.since = row.oldestHandOut.toISOString();
      } else {
        byOrganisation.set(row.organisationId, { kind: 'handed_unused', organisationId: row.organisationId, organisationName: row.organisationName, holder: 'prescriber', periodKey: key('handed_unused'), thresholdDays: all.handed_unused.thresholdDays, count: row.booklets, since: row.oldestHandOut.toISOString() });
      }
    }
    facts.push(...byOrganisation.values());
  }
  if (all.few_redemptions.enabled) {
    const byOrganisation = new Map<number, NudgeFacts>();
    for (const row of sleeping.places) {
      if (row.organisationId === null) continue; // a place without an organisation has no mediator to tell
      const seen = byOrganisation.get(row.organisationId);
      if (seen) {
        seen.count += 1;
        if (seen.places!.length < PLACE_NAMES_IN_TEXT) seen.places!.push(row.placeName);
      } else {
        byOrganisation.set(row.organisationId, {
          kind: 'few_redemptions', organisationId: row.organisationId, organisationName: row.organisationName ?? '', holder: 'place', periodKey: key('few_redemptions'),
          thresholdDays: all.few_redemptions.thresholdDays, count: 1, since: null, places: [row.placeName], minRedemptions: all.few_redemptions.minRedemptions ?? 1,
        });
      }
    }
    facts.push(...byOrganisation.values());
  }
  if (all.close_to_expiry.enabled) {
    const byOrganisation = new Map<number, NudgeFacts>();
    for (const row of sleeping.expiring) {
      const seen = byOrganisation.get(row.organisationId);
      const first = row.firstExpiry.toISOString();
      if (seen) {
        seen.count += row.vouchers;
        if (seen.since! > first) seen.since = first;
        if (row.holder === 'prescriber') seen.holder = 'prescriber';
      } else {
        byOrganisation.set(row.organisationId, { kind: 'close_to_expiry', organisationId: row.organisationId, organisationName: row.organisationName, holder: row.holder, periodKey: key('close_to_expiry'), thresholdDays: all.close_to_expiry.thresholdDays, count: row.vouchers, since: first });
      }
    }
    facts.push(...byOrganisation.values());
  }
  return facts;
}

export interface NudgeRun {
  /** The nudges recorded by this run (or that would be, with dryRun). */
  sent: NudgeFacts[];
  /** Over a threshold but already nudged in this period. */
  alreadySent: number;
}

/**
 * Records the nudges of this period not sent yet. `now` is the instant judged (tests, a replay); `dryRun` counts
 * without writing. Safe on any number of instances at once: the unique key of nudges_sent decides, in the
 * transaction of the journal row.
 */
export async function sendNudges(db: Kysely<DB>, options: { now?: Date; dryRun?: boolean } = {}): Promise<NudgeRun> {
  const now = options.now ?? new Date();
  const candidates = await nudgeCandidates(db, now);
  const run: NudgeRun = { sent: [], alreadySent: 0 };
  for (const facts of candidates) {
    if (options.dryRun) {
      const seen = await db.selectFrom('nudges_sent').select('count').where('kind', '=', facts.kind).where('organisation_id', '=', facts.organisationId).where('period_key', '=', facts.periodKey).executeTakeFirst();
      if (seen) run.alreadySent += 1;
      else run.sent.push(facts);
      continue;
    }
    const recorded = await db.transaction().execute(async (trx) => {
      const claimed = await trx
        .insertInto('nudges_sent')
        .values({ kind: facts.kind, organisation_id: facts.organisationId, period_key: facts.periodKey, count: facts.count, sent_at: now })
        .onConflict((oc) => oc.columns(['kind', 'organisation_id', 'period_key']).doNothing())
        .returning('kind')
        .executeTakeFirst();
      if (!claimed) return false;
      await recordAudit(trx, { actorUserId: null, organisationId: facts.organisationId, action: NUDGE_ACTION, details: { ...facts, link: nudgeLink(facts.kind, facts.holder) } });
      return true;
    });
    if (recorded) run.sent.push(facts);
    else run.alreadySent += 1;
  }
  return run;
}

export interface NudgeEffect {
  kind: NudgeKind;
  organisationId: number;
  organisationName: string;
  periodKey: string;
  count: number;
  sentAt: Date;
  measure: 'handouts' | 'redemptions';
  before: number;
  after: number;
  /** The 4 weeks after the nudge are over. */
  complete: boolean;
  text: string;
}

const WEEK_MS = 7 * 86_400_000;

/**
 * For each nudge the principal may see (policy 'pilotage.sleeping' on the nudged organisation), what followed: the
 * organisation's hand-outs (booklet nudges) or redemptions (handed unused: its booklets' vouchers; places: at its
 * places) in the 4 weeks after the nudge against the 4 weeks before. The latest nudges first.
 */
export async function nudgeEffect(db: Kysely<DB>, principal: Principal, options: { now?: Date; limit?: number } = {}): Promise<NudgeEffect[]> {
  const r = reach(principal, PILOTAGE_PERMISSIONS['pilotage.sleeping']);
  if (reachIsEmpty(r)) return [];
  const now = options.now ?? new Date();
  const span = sql.lit(`${EFFECT_WEEKS * 7} days`);
  const handouts = (from: ReturnType<typeof sql>, to: ReturnType<typeof sql>) =>
    sql<number>`(select count(*)::int from booklets b where b.allocated_organisation_id = n.organisation_id and b.handed_at >= ${from} and b.handed_at < ${to})`;
  const ownRedemptions = (from: ReturnType<typeof sql>, to: ReturnType<typeof sql>) =>
    sql<number>`(select count(*)::int from vouchers v join booklets b on b.id = v.booklet_id where b.allocated_organisation_id = n.organisation_id and v.status = 'redeemed' and v.redeemed_at >= ${from} and v.redeemed_at < ${to})`;
  const placeRedemptions = (from: ReturnType<typeof sql>, to: ReturnType<typeof sql>) =>
    sql<number>`(select count(*)::int from vouchers v join places p on p.id = v.redeemed_place_id where p.organisation_id = n.organisation_id and v.status = 'redeemed' and v.redeemed_at >= ${from} and v.redeemed_at < ${to})`;
  const window = (measure: typeof handouts) => ({
    before: measure(sql`n.sent_at - ${span}::interval`, sql`n.sent_at`),
    after: measure(sql`n.sent_at`, sql`n.sent_at + ${span}::interval`),
  });
  const h = window(handouts);
  const o = window(ownRedemptions);
  const p = window(placeRedemptions);
  const { rows } = await sql<{ kind: NudgeKind; organisation_id: number; organisation_name: string; period_key: string; count: number; sent_at: Date; before: number; after: number }>`
    select n.kind, n.organisation_id, org.name as organisation_name, n.period_key, n.count, n.sent_at,
           case n.kind when 'few_redemptions' then ${p.before} when 'handed_unused' then ${o.before} else ${h.before} end as before,
           case n.kind when 'few_redemptions' then ${p.after} when 'handed_unused' then ${o.after} else ${h.after} end as after
    from nudges_sent n
    join organisations org on org.id = n.organisation_id
    where ${reachCondition(r, { organisations: ['n.organisation_id'], departement: 'org.departement_code' })}
    order by n.sent_at desc, n.kind, org.name
    limit ${options.limit ?? 50}`.execute(db);
  return rows.map((x) => {
    const sentAt = new Date(x.sent_at);
    const complete = sentAt.getTime() + EFFECT_WEEKS * WEEK_MS <= now.getTime();
    return {
      kind: x.kind, organisationId: Number(x.organisation_id), organisationName: x.organisation_name, periodKey: x.period_key, count: x.count, sentAt,
      measure: NUDGE_EFFECT_MEASURE[x.kind], before: x.before, after: x.after, complete, text: effectText(x.kind, sentAt, x.after, x.before, complete),
    };
  });
}

export interface NudgeSettingsInput {
  kind: NudgeKind;
  enabled: boolean;
  thresholdDays: unknown;
  minRedemptions?: unknown;
  period: unknown;
}


function wholeDays(value: unknown, what: string, min: number, max: number, unit: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^\d+$/.test(text)) throw invalid(`${what} : indiquez un nombre entier de ${unit}, de ${min} à ${max}.`, 'seuil_invalide', { field: what });
  const n = Number(text);
  if (n < min || n > max) throw invalid(`${what} : indiquez un nombre entier de ${unit}, de ${min} à ${max} (et non ${n}).`, 'seuil_invalide', { field: what });
  return n;
}

/** Validates one kind's settings (whole days 1–365, a minimum of redemptions 1–1000, week or month). */
export function validateNudgeSetting(input: NudgeSettingsInput): NudgeSetting {
  if (!NUDGE_KINDS.includes(input.kind)) throw invalid('Type de relance inconnu.', 'relance_inconnue');
  const label = NUDGE_LABELS[input.kind].title;
  const thresholdDays = wholeDays(input.thresholdDays, `${label} — seuil`, THRESHOLD_MIN_DAYS, THRESHOLD_MAX_DAYS, 'jours');
  const minRedemptions = input.kind === 'few_redemptions' ? wholeDays(input.minRedemptions, `${label} — nombre minimum d’encaissements`, 1, MIN_REDEMPTIONS_MAX, 'encaissements') : null;
  if (!NUDGE_PERIODS.includes(input.period as NudgePeriod)) throw invalid(`${label} — fréquence : choisissez « une fois par semaine » ou « une fois par mois ».`, 'periode_invalide');
  return { kind: input.kind, enabled: input.enabled === true, thresholdDays, minRedemptions, period: input.period as NudgePeriod };
}

/** The administration sets the nudges (policy 'pilotage.nudges.configure'); all kinds at once, journaled. */
export async function updateNudgeSettings(db: Kysely<DB>, principal: Principal, input: NudgeSettingsInput[]): Promise<NudgeSettings> {
  if (!allows(principal, PILOTAGE_PERMISSIONS['pilotage.nudges.configure'])) throw forbidden('Seule l’administration nationale règle les relances.', 'hors_perimetre');
  const settings = input.map(validateNudgeSetting);
  await db.transaction().execute(async (trx) => {
    for (const s of settings) {
      await trx
        .insertInto('nudge_settings')
        .values({ kind: s.kind, enabled: s.enabled, threshold_days: s.thresholdDays, min_redemptions: s.minRedemptions, period: s.period, updated_by: principal.system ? null : principal.userId })
        .onConflict((oc) => oc.column('kind').doUpdateSet({ enabled: s.enabled, threshold_days: s.thresholdDays, min_redemptions: s.minRedemptions, period: s.period, updated_at: new Date(), updated_by: principal.system ? null : principal.userId }))
        .execute();
    }
    await recordAudit(trx, { actorUserId: principal.system ? null : principal.userId, action: 'pilotage.nudges_configured', details: { settings } });
  });
  return readNudgeSettings(db);
}
