import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { loadPrincipal } from '../../../src/accounts/use-cases/principal.js';
import { seedDemoActivity } from '../../../src/demo/activity.js';
import { seedDemo } from '../../../src/demo/seed.js';
import { verifyLedger } from '../../../src/pass/use-cases/ledger.js';
import { readIndicators } from '../../../src/pilotage/use-cases/indicators.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';

/** The demo's year of activity (src/demo/activity.ts): plausible, and every invariant the platform checks holds. */
describe(`demo activity on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let accounts: Awaited<ReturnType<typeof seedDemoActivity>>;
  const one = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(platform.db)).rows[0]!;

  before(async () => {
    platform = await openTestPlatform();
    await seedDemo(platform.db);
    accounts = await seedDemoActivity(platform.db);
  });
  after(() => platform.dispose());

  test('the ledger balances: the seed wrote what issuance, payment, redemption, expiry and reimbursement write', async () => {
    const report = await verifyLedger(platform.db);
    assert.deepEqual(report.unbalancedTransactions, []);
    assert.ok(report.ok, JSON.stringify(report.programmes.filter((p) => !p.balanced)));
    assert.ok(report.programmes.length >= 4);
    assert.ok(report.programmes.some((p) => p.expiredCents > 0), 'some vouchers expired');
    assert.ok(report.programmes.some((p) => p.reimbursedCents > 0), 'places were reimbursed');
  });

  test('every voucher, booklet and order has a status consistent with its dates', async () => {
    const { rows } = await sql<{ rule: string; n: number }>`
      select rule, count(*)::int as n from (
        select case
          when v.status <> 'redeemed' and (v.redeemed_at is not null or v.redeemed_place_id is not null) then 'non encaissé avec date d’encaissement'
          when v.status = 'redeemed' and (v.redeemed_at is null or v.redeemed_at > now() or v.redeemed_at >= v.expires_at or b.handed_at is null or v.redeemed_at <= b.handed_at) then 'encaissement hors dates'
          when v.status = 'handed' and (b.handed_at is null or v.expires_at <= now()) then 'remis sans remise'
          when v.status = 'allocated' and (b.allocated_at is null or b.handed_at is not null or v.expires_at <= now()) then 'attribué incohérent'
          when v.status = 'activated' and (b.allocated_at is not null or o.status <> 'paid' or v.expires_at <= now()) then 'activé incohérent'
          when v.status = 'issued' and o.status <> 'issued' then 'émis d’une commande payée'
          when v.status = 'expired' and v.expires_at > now() then 'expiré avant l’échéance'
          -- issueOrder copies the order's expiry through a JavaScript Date: equal to the millisecond.
          when abs(extract(epoch from v.expires_at - o.expires_at)) >= 0.001 then 'échéance différente de la commande'
          when b.allocated_at is not null and (b.allocated_at < o.paid_at or b.allocated_at > now()) then 'attribution avant le paiement'
          when b.handed_at is not null and (b.handed_at <= b.allocated_at or b.handed_at >= o.expires_at or b.handed_at > now()) then 'remise hors dates'
          when not (o.placed_at <= o.issued_at and (o.paid_at is null or o.issued_at <= o.paid_at)) then 'commande hors ordre'
          else null end as rule
        from vouchers v join booklets b on b.id = v.booklet_id join orders o on o.id = v.order_id) checked
      where rule is not null group by rule`.execute(platform.db);
    assert.deepEqual(rows, []);
    const statuses = (await sql<{ status: string }>`select distinct status from vouchers order by 1`.execute(platform.db)).rows.map((r) => r.status);
    assert.deepEqual(statuses, ['activated', 'allocated', 'expired', 'handed', 'issued', 'redeemed']);
  });

  test('a year of activity on at least three départements, every month', async () => {
    const spread = await one(sql<{ departements: number; months: number; handout_months: number }>`
      select count(distinct c.departement_code)::int as departements,
        count(distinct to_char(v.redeemed_at at time zone 'Europe/Paris', 'YYYY-MM'))::int as months,
        (select count(distinct to_char(b.handed_at at time zone 'Europe/Paris', 'YYYY-MM'))::int from booklets b where b.handed_at is not null) as handout_months
      from vouchers v join places p on p.id = v.redeemed_place_id join communes c on c.insee_code = p.commune_code
      where v.status = 'redeemed'`);
    assert.ok(spread.departements >= 3, `${spread.departements} départements`);
    assert.ok(spread.months >= 12, `${spread.months} mois d’encaissements`);
    assert.ok(spread.handout_months >= 12, `${spread.handout_months} mois de remises`);
    const workshops = await one(sql<{ months: number; anonymous: number; linked: number; followups: number }>`
      select (select count(distinct date_trunc('month', occurred_on))::int from accompaniments where kind = 'workshop') as months,
        (select count(*)::int from accompaniment_participants where voucher_serial is null) as anonymous,
        (select count(*)::int from accompaniment_participants p join vouchers v on v.serial = p.voucher_serial where v.status = 'redeemed') as linked,
        (select count(*)::int from diagnostics f join diagnostics i on i.booklet_id = f.booklet_id and i.kind = 'initial' where f.kind = 'followup' and f.finished_at > i.finished_at) as followups`);
    assert.ok(workshops.months >= 12 && workshops.anonymous > 0 && workshops.linked > 0 && workshops.followups > 0, JSON.stringify(workshops));
  });

  test('the funnel narrows: issued ≥ activated ≥ allocated ≥ handed ≥ redeemed, with booklets asleep and unused', async () => {
    const f = await one(sql<{ issued: number; activated: number; allocated: number; handed: number; redeemed: number; asleep: number; unused: number }>`
      select count(*)::int as issued,
        count(*) filter (where o.paid_at is not null)::int as activated,
        count(*) filter (where b.allocated_at is not null)::int as allocated,
        count(*) filter (where b.handed_at is not null)::int as handed,
        count(*) filter (where v.status = 'redeemed')::int as redeemed,
        (select count(*)::int from booklets where allocated_at is not null and handed_at is null) as asleep,
        (select count(*)::int from booklets x where x.handed_at is not null and not exists (select 1 from vouchers w where w.booklet_id = x.id and w.status = 'redeemed')) as unused
      from vouchers v join booklets b on b.id = v.booklet_id join orders o on o.id = v.order_id`);
    assert.ok(f.issued > f.activated && f.activated > f.allocated && f.allocated > f.handed && f.handed > f.redeemed && f.redeemed > 0, JSON.stringify(f));
    assert.ok(f.issued >= 2000 && f.issued <= 10000, `${f.issued} chèques`);
    assert.ok(f.asleep > 0 && f.unused > 0, JSON.stringify(f));
  });

  test('the journal has the rows the use cases write, dated with the events', async () => {
    const j = await one(sql<{ redeemed: number; redemptions: number; handed: number; handouts: number; batches: number; recent: number }>`
      select (select count(*)::int from vouchers where status = 'redeemed') as redeemed,
        (select count(*)::int from audit_events a join vouchers v on v.serial = a.voucher_serial where a.action = 'voucher.redeemed' and a.at = v.redeemed_at) as redemptions,
        (select count(*)::int from booklets where handed_at is not null) as handed,
        (select count(*)::int from audit_events a join booklets b on b.id = a.booklet_id where a.action = 'booklet.handed' and a.at = b.handed_at) as handouts,
        (select count(*)::int from audit_events where action = 'booklets.allocated') as batches,
        (select count(*)::int from audit_events where action in ('order.paid', 'booklets.allocated') and at > now() - interval '48 hours') as recent`);
    assert.equal(j.redemptions, j.redeemed);
    // The demo's own three hand-outs are journaled by handBooklet a moment after the booklet row: compare the rest.
    assert.ok(j.handouts >= j.handed - 3 && j.handouts <= j.handed, JSON.stringify(j));
    assert.ok(j.batches > 10);
    // Only the demo's own order and allocations are recent: the year's do not flood the notifications.
    assert.ok(j.recent <= 3, JSON.stringify(j));
  });

  test('the existing demo is untouched, the State is a State service, two new funder accounts', async () => {
    const demo = await one(sql<{ orders: number; booklets: number; handed: number }>`
      select count(distinct o.id)::int as orders, count(b.id)::int as booklets, count(b.handed_at)::int as handed
      from programmes p join orders o on o.programme_id = p.id left join booklets b on b.order_id = o.id where p.name = 'Pass numérique Loire-Atlantique'`);
    assert.deepEqual(demo, { orders: 2, booklets: 20, handed: 3 });
    const state = await one(sql<{ kinds: string[] }>`select kinds from organisations where name = 'État — Agence nationale de la cohésion des territoires'`);
    assert.deepEqual(state.kinds, ['funder', 'state']);
    assert.deepEqual(accounts.map((a) => [a.email, a.role]), [['financeur-vendee@demo.inclusif.fr', 'funder'], ['financeur-ille-et-vilaine@demo.inclusif.fr', 'funder']]);
  });

  test('the France dashboard and a département show non-zero values on the main cards', async () => {
    const adminId = (await platform.db.selectFrom('users').select('id').where('email', '=', 'admin@demo.inclusif.fr').executeTakeFirstOrThrow()).id;
    const admin = (await loadPrincipal(platform.db, adminId))!;
    const france = await readIndicators(platform.db, admin, { level: 'france' });
    for (const id of ['vouchers_issued', 'vouchers_activated', 'vouchers_allocated', 'vouchers_handed', 'vouchers_redeemed', 'vouchers_reimbursed', 'people_reached',
      'anonymous_participants', 'accompaniments', 'training_hours', 'diagnostics_completed', 'booklets_measured_twice', 'labelled_places', 'places_accepting_pass',
      'mediators', 'money_ordered', 'money_state'] as const) {
      assert.ok((france.values[id].value ?? 0) > 0, `${id} = ${JSON.stringify(france.values[id])}`);
    }
    const leverage = france.values.leverage_per_state_euro.value ?? 0;
    assert.ok(leverage > 1 && leverage < 10, `levier ${leverage}`);
    const vendee = await readIndicators(platform.db, admin, { level: 'departement', code: '85' });
    assert.ok((vendee.values.vouchers_redeemed.value ?? 0) > 0 && (vendee.values.accompaniments.value ?? 0) > 0);
  });
});
