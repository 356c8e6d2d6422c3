import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../../../src/app.js';
import { httpStatus } from '../../../src/http/errors.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { REDEMPTION_GUARDS } from '../../../src/pass/domain/redemption-guards.js';
import { handBooklet } from '../../../src/pass/use-cases/booklets.js';
import { expireVouchers } from '../../../src/pass/use-cases/expiry.js';
import { issueOrder } from '../../../src/pass/use-cases/issuance.js';
import { cancelOrder, placeOrder } from '../../../src/pass/use-cases/orders.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { parisDay, PARIS_TODAY_SQL } from '../../../src/shared/dates.js';
import { DomainError } from '../../../src/shared/errors.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, serialsOfBooklet, TEST_SERVICE, type Actor } from '../../support/world.js';

type World = Awaited<ReturnType<typeof buildWorld>>;

/** An attempt that one guard refuses, and, where the state allows it, how to lift exactly that guard. */
interface Attempt {
  actor: Actor;
  placeId: number;
  serial: number;
  /** Lifts the failing guard only: the same attempt then succeeds, so no other guard was failing. */
  lift?: () => Promise<void>;
}

/**
 * Every refusal of the guard table, produced through the real statement (redeemVoucher → the prepared REDEEM_SQL,
 * then the diagnosis) on both databases. Each test builds its own world. Deleting any guard from the table makes
 * its test fail: the statement then accepts, or the diagnosis names another guard.
 */
describe(`redemption guards through the real statement on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    platform = await openTestPlatform();
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app.close();
    await platform.dispose();
  });

  const handedSerial = async (world: World, index = 0) => (await serialsOfBooklet(platform.db, world.handedBooklet))[index]!;
  const unpaidOrderSerial = async (world: World) => {
    const orderId = await placeOrder(platform.db, world.funder.principal, { programmeId: world.programmeId, bookletCount: 1 });
    await issueOrder(platform.db, null, orderId);
    const voucher = await platform.db.selectFrom('vouchers').select('serial').where('order_id', '=', orderId).orderBy('serial').executeTakeFirstOrThrow();
    return { orderId, serial: voucher.serial };
  };
  const setPlace = (placeId: number, values: { active?: boolean; services?: string[] }) => platform.db.updateTable('places').set(values).where('id', '=', placeId).execute();

  /** The expected refusal (its HTTP status pins the kind) and the state that triggers it. */
  const SCENARIOS: Record<string, { status: number; arrange: (world: World) => Promise<Attempt> }> = {
    cheque_inconnu: {
      status: 404,
      arrange: async (world) => ({ actor: world.mediatorA, placeId: world.placeA, serial: 99_999_999 }),
    },
    deja_encaisse: {
      status: 409,
      arrange: async (world) => {
        const serial = await handedSerial(world);
        await redeemVoucher(platform, world.mediatorA.principal, makeVoucherCode(platform.secret, serial), world.placeA);
        return { actor: world.mediatorB, placeId: world.placeB, serial };
      },
    },
    cheque_annule: {
      status: 410,
      arrange: async (world) => {
        const { orderId, serial } = await unpaidOrderSerial(world);
        await cancelOrder(platform.db, world.funder.principal, orderId);
        return { actor: world.mediatorA, placeId: world.placeA, serial };
      },
    },
    cheque_expire: {
      status: 410,
      arrange: async (world) => {
        // Past its validity but not yet expired by the hourly job: only the date refuses it.
        const serial = await handedSerial(world);
        await sql`update vouchers set expires_at = now() - interval '1 minute' where serial = ${serial}`.execute(platform.db);
        return { actor: world.mediatorA, placeId: world.placeA, serial, lift: async () => void (await sql`update vouchers set expires_at = now() + interval '1 day' where serial = ${serial}`.execute(platform.db)) };
      },
    },
    lieu_non_autorise: {
      status: 403,
      arrange: async (world) => ({ actor: world.mediatorA, placeId: world.placeB, serial: await handedSerial(world) }),
    },
    lieu_inactif: {
      status: 403,
      arrange: async (world) => {
        await setPlace(world.placeA, { active: false });
        return { actor: world.mediatorA, placeId: world.placeA, serial: await handedSerial(world), lift: async () => void (await setPlace(world.placeA, { active: true })) };
      },
    },
    hors_territoire: {
      status: 403,
      // The place of Ille-et-Vilaine holds a valid label and accepts the programme of Loire-Atlantique.
      arrange: async (world) => ({ actor: world.outsider, placeId: world.placeOutside, serial: await handedSerial(world) }),
    },
    lieu_non_labellise: {
      status: 403,
      arrange: async (world) => {
        const yesterday = parisDay(new Date(Date.now() - 86_400_000));
        await platform.db.updateTable('place_labels').set({ valid_until: yesterday }).where('place_id', '=', world.placeA).execute();
        return {
          actor: world.mediatorA, placeId: world.placeA, serial: await handedSerial(world),
          // Valid until today, in Paris: still valid.
          lift: async () => void (await platform.db.updateTable('place_labels').set({ valid_until: parisDay() }).where('place_id', '=', world.placeA).execute()),
        };
      },
    },
    programme_non_accepte: {
      status: 403,
      arrange: async (world) => {
        await platform.db.deleteFrom('place_programmes').where('place_id', '=', world.placeA).execute();
        return {
          actor: world.mediatorA, placeId: world.placeA, serial: await handedSerial(world),
          lift: async () => void (await platform.db.insertInto('place_programmes').values({ place_id: world.placeA, programme_id: world.programmeId }).execute()),
        };
      },
    },
    service_non_eligible: {
      status: 403,
      arrange: async (world) => {
        await setPlace(world.placeA, { services: ['Loisirs et créations numériques'] });
        return { actor: world.mediatorA, placeId: world.placeA, serial: await handedSerial(world), lift: async () => void (await setPlace(world.placeA, { services: [TEST_SERVICE] })) };
      },
    },
    cheque_non_active: {
      status: 403,
      arrange: async (world) => ({ actor: world.mediatorA, placeId: world.placeA, serial: (await unpaidOrderSerial(world)).serial }),
    },
    cheque_non_remis: {
      status: 403,
      arrange: async (world) => {
        const [serial] = await serialsOfBooklet(platform.db, world.allocatedBooklet);
        return {
          actor: world.mediatorA, placeId: world.placeA, serial: serial!,
          lift: async () => void (await handBooklet(platform.db, world.prescriber.principal, world.allocatedBooklet, { ageBand: '25-39', communeCode: '44109', situation: 'rsa' })),
        };
      },
    },
  };

  const trace = async (serial: number) => ({
    status: (await platform.db.selectFrom('vouchers').select('status').where('serial', '=', serial).executeTakeFirst())?.status ?? null,
    ledger: (await platform.db.selectFrom('ledger_entries').select('id').where('voucher_serial', '=', serial).execute()).length,
    journal: (await platform.db.selectFrom('audit_events').select('id').where('voucher_serial', '=', serial).where('action', '=', 'voucher.redeemed').execute()).length,
  });

  test('every refusal code of the guard table has its scenario below, and no scenario is left without its guard', () => {
    assert.deepEqual(Object.keys(SCENARIOS).sort(), REDEMPTION_GUARDS.map((guard) => guard.code).sort());
  });

  for (const [code, scenario] of Object.entries(SCENARIOS)) {
    test(`${code}: the real statement refuses, the diagnosis names this guard, nothing is written`, async () => {
      const world = await buildWorld(platform.db);
      const attempt = await scenario.arrange(world);
      const voucherCode = makeVoucherCode(platform.secret, attempt.serial);
      const before = await trace(attempt.serial);
      await assert.rejects(redeemVoucher(platform, attempt.actor.principal, voucherCode, attempt.placeId), (error: unknown) => {
        assert.ok(error instanceof DomainError, String(error));
        assert.equal(error.code, code, error.message);
        assert.equal(httpStatus(error), scenario.status);
        assert.match(error.message, /[’é]/, 'a French message');
        return true;
      });
      assert.deepEqual(await trace(attempt.serial), before, 'a refusal writes nothing');
      if (attempt.lift) {
        await attempt.lift();
        const { result } = await redeemVoucher(platform, attempt.actor.principal, voucherCode, attempt.placeId);
        assert.equal(result.status, 'redeemed', 'lifting this guard alone lets the voucher through');
      }
    });
  }

  test('deja_encaisse names the date and the place of the first redemption', async () => {
    const world = await buildWorld(platform.db);
    const serial = await handedSerial(world);
    const code = makeVoucherCode(platform.secret, serial);
    const { result } = await redeemVoucher(platform, world.mediatorA.principal, code, world.placeA);
    await assert.rejects(redeemVoucher(platform, world.mediatorA.principal, code, world.placeA), (error: unknown) => {
      assert.ok(error instanceof DomainError);
      assert.equal(error.code, 'deja_encaisse');
      assert.deepEqual(error.details, { redeemedAt: result.redeemedAt, placeName: result.place.name });
      assert.ok(error.message.includes(result.place.name));
      return true;
    });
  });

  test('cheque_expire also for a voucher the hourly job expired, with its expiry date', async () => {
    const world = await buildWorld(platform.db);
    const serial = await handedSerial(world, 1);
    await sql`update vouchers set expires_at = now() - interval '1 day' where serial = ${serial}`.execute(platform.db);
    await expireVouchers(platform.db, null);
    assert.equal((await trace(serial)).status, 'expired');
    await assert.rejects(redeemVoucher(platform, world.mediatorA.principal, makeVoucherCode(platform.secret, serial), world.placeA), (error: unknown) => {
      assert.ok(error instanceof DomainError);
      assert.equal(error.code, 'cheque_expire');
      assert.match(error.message, /a expiré le \d{1,2} \S+ \d{4}/);
      return true;
    });
  });

  test('an allocated voucher of a programme that allows direct handing is redeemed without a prescriber', async () => {
    const world = await buildWorld(platform.db, { allowDirectHanding: true });
    const [serial] = await serialsOfBooklet(platform.db, world.allocatedBooklet);
    const { result } = await redeemVoucher(platform, world.mediatorA.principal, makeVoucherCode(platform.secret, serial!), world.placeA);
    assert.equal(result.status, 'redeemed');
  });

  test('a label starting tomorrow in Paris does not count today; the SQL day is the Paris day', async () => {
    const world = await buildWorld(platform.db);
    const tomorrow = parisDay(new Date(Date.now() + 86_400_000));
    await platform.db.updateTable('place_labels').set({ valid_from: tomorrow }).where('place_id', '=', world.placeA).execute();
    await assert.rejects(redeemVoucher(platform, world.mediatorA.principal, makeVoucherCode(platform.secret, await handedSerial(world)), world.placeA), (error: unknown) => {
      assert.ok(error instanceof DomainError);
      return error.code === 'lieu_non_labellise';
    });
    // Whatever the session's time zone, the expression gives the Paris calendar day.
    const day = await platform.db.transaction().execute(async (trx) => {
      await sql`set local time zone 'Pacific/Kiritimati'`.execute(trx);
      return (await sql<{ day: string }>`select ${sql.raw(PARIS_TODAY_SQL)}::text as day`.execute(trx)).rows[0]!.day;
    });
    assert.equal(day, parisDay());
  });

  test('through the HTTP API: each refusal answers its status with its code and French message', async () => {
    for (const code of ['lieu_inactif', 'cheque_expire', 'service_non_eligible', 'cheque_annule', 'lieu_non_labellise']) {
      const world = await buildWorld(platform.db);
      const attempt = await SCENARIOS[code]!.arrange(world);
      const response = await app.inject({
        method: 'POST',
        url: `/api/v1/vouchers/${makeVoucherCode(platform.secret, attempt.serial)}/redeem`,
        headers: bearer(attempt.actor.token),
        payload: { placeId: attempt.placeId },
      });
      assert.equal(response.statusCode, SCENARIOS[code]!.status, response.body);
      assert.equal(response.json().error, code);
      assert.match(response.json().message, /[’é]/);
    }
  });
});
