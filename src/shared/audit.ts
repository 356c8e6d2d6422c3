import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface AuditEvent {
  actorUserId: number | null;
  organisationId?: number | null;
  action: string;
  orderId?: number | null;
  bookletId?: number | null;
  voucherSerial?: number | null;
  fromStatus?: string | null;
  toStatus?: string | null;
  voucherCount?: number | null;
  placeId?: number | null;
  details?: Record<string, unknown>;
}

/** Written in the caller's transaction, so that a change and its trace commit or fail together. */
export async function recordAudit(trx: Kysely<DB>, event: AuditEvent): Promise<void> {
  await trx
    .insertInto('audit_events')
    .values({
      actor_user_id: event.actorUserId,
      organisation_id: event.organisationId ?? null,
      action: event.action,
      order_id: event.orderId ?? null,
      booklet_id: event.bookletId ?? null,
      voucher_serial: event.voucherSerial ?? null,
      from_status: event.fromStatus ?? null,
      to_status: event.toStatus ?? null,
      voucher_count: event.voucherCount ?? null,
      place_id: event.placeId ?? null,
      // No user: the system principal (command line, demo, scheduled jobs) acted, and the journal says so.
      details: JSON.stringify(event.actorUserId === null ? { by: 'system', ...(event.details ?? {}) } : event.details ?? {}),
    })
    .execute();
}
