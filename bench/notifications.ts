import { sql } from 'kysely';
import { hashToken } from '../src/accounts/use-cases/credentials.js';
import { principalByCredential, type Principal } from '../src/accounts/use-cases/principal.js';
import { createSession, createUser } from '../src/accounts/use-cases/store.js';
import { createNotificationDispatcher } from '../src/notifications/use-cases/dispatch.js';
import { inboxOf, notificationCount } from '../src/notifications/use-cases/inbox.js';
import { recordPayment } from '../src/pass/use-cases/activation.js';
import { allocateBooklets } from '../src/pass/use-cases/booklets.js';
import { issueOrder } from '../src/pass/use-cases/issuance.js';
import { placeOrder } from '../src/pass/use-cases/orders.js';
import { labelsToReview } from '../src/places/use-cases/labels.js';
import { captureMailer } from '../src/shared/mailer.js';
import { openTestPlatform } from '../test/support/platform.js';
import { addPlace, buildWorld, makeActor, PASSWORD } from '../test/support/world.js';

const ROUNDS = Number(process.env.BENCH_NOTIFICATION_ROUNDS ?? 400);
const PLACES = Number(process.env.BENCH_NOTIFICATION_PLACES ?? 3000);
const VOUCHERS = Number(process.env.BENCH_NOTIFICATION_VOUCHERS ?? 200_000);
const ORDERS = 20;
const JOURNAL = Number(process.env.BENCH_NOTIFICATION_JOURNAL ?? 300_000);

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

/** Runs `action` `rounds` times in a row (after a warm-up), returns p50 and p95 in milliseconds. */
async function time(action: () => Promise<unknown>, rounds = ROUNDS) {
  for (let i = 0; i < Math.min(20, rounds); i++) await action();
  const latencies: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await action();
    latencies.push(performance.now() - started);
  }
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}
const fmt = (t: { p50: number; p95: number }) => `p50 ${t.p50.toFixed(2)} ms, p95 ${t.p95.toFixed(2)} ms`;

/**
 * The header's count (one statement per signed-in page) next to the page's own principal query (the prepared
 * session look-up every signed-in page pays), in the same run, on a platform with thousands of places, pending
 * labels and bank details, a large order about to expire, tens of thousands of deliveries and a long journal.
 */
export async function benchNotifications(report: (line: string) => void): Promise<void> {
  const platform = await openTestPlatform('postgresql');
  const { db } = platform;
  const world = await buildWorld(platform.db);
  const hub = await makeActor(db, 'Hub Ouest', 'hub', '44');
  await db.insertInto('organisation_departements').values(['35', '85'].map((code) => ({ organisation_id: hub.organisationId, departement_code: code }))).execute();
  const reloaded = async (userId: number) => (await principalByCredential(platform.pool, 'session', hashToken(await createSession(db, userId))))!;

  // Places of three départements, a tenth with a pending label application, a fifteenth with pending bank details.
  const communes = ['44109', '44184', '35238', '85191', '44143'];
  const mediators = [world.mediatorA, world.mediatorB, world.outsider];
  // Each place's details entered by a colleague: the mediator measured has them to confirm (two-person rule).
  const colleagues: number[] = [];
  for (const [i, m] of mediators.entries()) {
    colleagues.push(await createUser(db, { email: `collegue.${i}@bench.fr`, displayName: `Collègue ${i}`, password: PASSWORD, organisationId: m.organisationId, role: 'mediator', isOrgAdmin: false }, null));
  }
  for (let i = 0; i < PLACES; i++) {
    const placeId = await addPlace(db, mediators[i % mediators.length]!.organisationId, communes[i % communes.length]!);
    if (i % 10 === 0) await db.insertInto('place_labels').values({ place_id: placeId, status: 'pending', criteria_met: [] }).execute();
    else await db.insertInto('place_labels').values({ place_id: placeId, status: 'approved', valid_from: '2020-01-01', valid_until: '2099-12-31' }).execute();
    if (i % 15 === 0) await db.insertInto('bank_accounts').values({ place_id: placeId, holder_name: 'Lieu', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP', status: 'pending', requested_by: colleagues[i % mediators.length]! }).execute();
  }
  // Orders of several funders: 20 of them, the first two expiring within the warning window, half of each order
  // allocated to prescribers (ours and others).
  const otherPrescribers = [world.prescriber, await makeActor(db, 'France Travail', 'prescriber'), await makeActor(db, 'La Poste', 'prescriber')];
  const perOrder = VOUCHERS / ORDERS / 10;
  for (let k = 0; k < ORDERS; k++) {
    const funder = k % 2 === 0 ? world.funder : world.state;
    const orderId = await placeOrder(db, funder.principal, { programmeId: world.programmeId, bookletCount: perOrder, vouchersPerBooklet: 10 });
    await issueOrder(db, null, orderId);
    await recordPayment(db, null, orderId, `BENCH-${k}`);
    await allocateBooklets(db, funder.principal, { orderId, recipientOrganisationId: otherPrescribers[k % 3]!.organisationId, bookletCount: perOrder / 2 });
    if (k < 2) {
      await sql`update vouchers set expires_at = now() + interval '20 days' where order_id = ${orderId}`.execute(db);
      await sql`update orders set expires_at = now() + interval '20 days' where id = ${orderId}`.execute(db);
    }
  }
  // A long journal (redemptions write one row each) and many deliveries to other people.
  await sql`insert into audit_events (actor_user_id, action, voucher_serial, details)
            select ${world.mediatorA.principal.userId}, 'voucher.redeemed', g, '{}' from generate_series(1, ${JOURNAL}) g`.execute(db);
  const { rows: [event] } = await sql<{ id: number }>`insert into notification_events (audit_event_id, kind, occurred_at, subject, body, link)
            values (-1, 'order_paid', now(), 'Commande payée', 'Corps', '/commandes/1') returning id`.execute(db);
  const users = (await db.selectFrom('users').select('id').execute()).map((u) => u.id);
  await sql`insert into notification_events (audit_event_id, kind, occurred_at, subject, body, link)
            select -1 - g, 'order_paid', now(), 'Commande payée', 'Corps', '/commandes/1' from generate_series(1, 20000) g`.execute(db);
  await sql`insert into notification_deliveries (event_id, user_id, listed, read_at, mail_status)
            select n.id, u, true, case when n.id % 500 = 0 then null else now() end, 'sent'
            from notification_events n cross join unnest(${users}::bigint[]) u where n.id <> ${event!.id}`.execute(db);
  await sql`analyze`.execute(db);

  const dispatcher = createNotificationDispatcher(db, captureMailer(), 'http://localhost', (error) => { throw error; });
  await dispatcher.run();
  const deliveries = await db.selectFrom('notification_deliveries').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();

  const sessionHash = hashToken(await createSession(db, world.mediatorA.principal.userId));
  const yardstick = await time(() => principalByCredential(platform.pool, 'session', sessionHash));
  const people: [string, Principal][] = [
    ['mediator (bank details of its places)', await reloaded(world.mediatorA.principal.userId)],
    ['hub of 3 départements (labels + bank details)', await reloaded(hub.principal.userId)],
    ['funder (expiring booklets + unread)', await reloaded(world.funder.principal.userId)],
    ['prescriber (expiring booklets + unread)', await reloaded(world.prescriber.principal.userId)],
    ['national administration (every label and bank detail)', await reloaded(world.admin.principal.userId)],
  ];
  report(`notifications setup: ${PLACES} places, ${Math.ceil(PLACES / 10)} pending labels, ${Math.ceil(PLACES / 15)} pending bank details, ${VOUCHERS} vouchers in ${ORDERS} orders (2 expiring in 20 days), ${JOURNAL} journal rows, ${deliveries.n} deliveries`);
  report(`page principal query (prepared session look-up, the yardstick): ${fmt(yardstick)}`);
  for (const [who, principal] of people) {
    const count = await notificationCount(db, principal);
    const unprepared = await time(() => notificationCount(db, principal));
    const header = await time(() => notificationCount(db, principal, new Date(), platform.pool));
    report(`header count, ${who}: ${count.total} (${count.todo} to do, ${count.unread} unread) in ${fmt(header)} (planned on each call: ${fmt(unprepared)}) | ratio to the principal query ${(header.p50 / yardstick.p50).toFixed(1)}×`);
  }
  const hubPrincipal = people[1]![1];
  const labelsPage = await time(() => labelsToReview(db, hubPrincipal), 20);
  report(`the /labels page's own query for the same hub (labelsToReview, ${(await labelsToReview(db, hubPrincipal)).length} rows): ${fmt(labelsPage)}`);
  const admin = people.at(-1)![1];
  const inbox = await time(() => inboxOf(db, admin));
  report(`inbox page queries, national administration (the /notifications page): ${fmt(inbox)}`);
  const idle = await time(() => dispatcher.run());
  report(`dispatcher run with nothing to send (journal of ${JOURNAL} rows): ${fmt(idle)}`);
  await platform.dispose();
}
