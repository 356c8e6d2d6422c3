import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Id = Generated<number>;

export type Role = 'prescriber' | 'mediator' | 'funder' | 'hub' | 'helper' | 'admin';
export type OrderStatus = 'placed' | 'issued' | 'paid' | 'cancelled';
export type VoucherStatus = 'issued' | 'activated' | 'allocated' | 'handed' | 'redeemed' | 'expired' | 'cancelled';
export type LedgerAccount = 'bank' | 'funder_receivable' | 'vouchers_outstanding' | 'place_payable' | 'funder_refund_due';

export interface DB {
  app_settings: { key: string; value: string };
  regions: { code: string; name: string };
  departements: { code: string; region_code: string; name: string };
  communes: {
    insee_code: string;
    departement_code: string;
    name: string;
    postal_codes: string[];
    lat: number | null;
    lng: number | null;
    population: number | null;
  };
  organisations: { id: Id; name: string; siret: string | null; departement_code: string | null; created_at: Timestamp };
  users: { id: Id; email: string; display_name: string; password_hash: string | null; created_at: Timestamp };
  memberships: { user_id: number; organisation_id: number; role: Role; is_org_admin: Generated<boolean> };
  sessions: { token_hash: string; user_id: number; created_at: Timestamp; expires_at: Timestamp };
  api_tokens: { id: Id; user_id: number; name: string; token_hash: string; created_at: Timestamp; revoked_at: NullableTimestamp };
  invitations: {
    token_hash: string;
    organisation_id: number;
    email: string;
    role: Role;
    invited_by: number;
    created_at: Timestamp;
    expires_at: Timestamp;
    accepted_at: NullableTimestamp;
  };
  rate_limits: { key: string; window_start: Timestamp; hits: number };
  places: {
    id: Id;
    organisation_id: number;
    name: string;
    commune_code: string;
    address: string;
    services: string[];
    active: Generated<boolean>;
    created_at: Timestamp;
  };
  programmes: {
    id: Id;
    name: string;
    face_value_cents: number;
    validity_months: number;
    eligible_services: string[];
    allow_direct_handing: Generated<boolean>;
    created_by_organisation_id: number;
    created_at: Timestamp;
  };
  programme_departements: { programme_id: number; departement_code: string };
  programme_cofunders: { programme_id: number; organisation_id: number; share_bp: number };
  orders: {
    id: Id;
    programme_id: number;
    funder_organisation_id: number;
    booklet_count: number;
    vouchers_per_booklet: number;
    face_value_cents: number;
    amount_cents: number;
    status: OrderStatus;
    placed_at: Timestamp;
    placed_by: number | null;
    issued_at: NullableTimestamp;
    expires_at: NullableTimestamp;
    paid_at: NullableTimestamp;
    payment_reference: string | null;
    cancelled_at: NullableTimestamp;
  };
  order_cofunding: { order_id: number; organisation_id: number; share_bp: number; amount_cents: number };
  serial_counters: { name: string; next_value: number };
  booklets: {
    id: number;
    number: string;
    order_id: number;
    programme_id: number;
    allocated_organisation_id: number | null;
    allocated_at: NullableTimestamp;
    handed_at: NullableTimestamp;
    handed_by_user_id: number | null;
    profile_age_band: string | null;
    profile_commune_code: string | null;
    profile_situation: string | null;
    profile_diagnostic_level: number | null;
  };
  vouchers: {
    serial: number;
    booklet_id: number;
    order_id: number;
    programme_id: number;
    face_value_cents: number;
    status: VoucherStatus;
    expires_at: Timestamp;
    redeemed_at: NullableTimestamp;
    redeemed_place_id: number | null;
    redeemed_by_user_id: number | null;
  };
  audit_events: {
    id: Id;
    at: Timestamp;
    actor_user_id: number | null;
    organisation_id: number | null;
    action: string;
    order_id: number | null;
    booklet_id: number | null;
    voucher_serial: number | null;
    from_status: string | null;
    to_status: string | null;
    voucher_count: number | null;
    details: ColumnType<unknown, string | undefined, string>;
  };
  ledger_entries: {
    id: Id;
    transaction_id: string;
    at: Timestamp;
    kind: string;
    account: LedgerAccount;
    programme_id: number;
    organisation_id: number | null;
    order_id: number | null;
    voucher_serial: number | null;
    amount_cents: number;
  };
  idempotency_keys: {
    principal: string;
    key: string;
    fingerprint: string;
    status_code: number;
    response: ColumnType<unknown, string, string>;
    created_at: Timestamp;
  };
}

export type OrderRow = Selectable<DB['orders']>;
export type ProgrammeRow = Selectable<DB['programmes']>;
export type BookletRow = Selectable<DB['booklets']>;
export type VoucherRow = Selectable<DB['vouchers']>;
