import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Id = Generated<number>;
type OptionalNullable<T> = ColumnType<T | null, T | null | undefined, T | null>;

export type Role = 'prescriber' | 'mediator' | 'funder' | 'hub' | 'helper' | 'admin';
export type OrderStatus = 'placed' | 'issued' | 'paid' | 'cancelled';
export type LabelStatus = 'pending' | 'approved' | 'refused' | 'suspended';
export type VoucherStatus = 'issued' | 'activated' | 'allocated' | 'handed' | 'redeemed' | 'expired' | 'cancelled';
export type LedgerAccount = 'bank' | 'funder_receivable' | 'vouchers_outstanding' | 'place_payable' | 'funder_refund_due';

export interface DB {
  app_settings: { key: string; value: string };
  regions: { code: string; name: string };
  departements: { code: string; region_code: string; name: string; lat: OptionalNullable<number>; lng: OptionalNullable<number> };
  communes: {
    insee_code: string;
    departement_code: string;
    name: string;
    postal_codes: string[];
    lat: number | null;
    lng: number | null;
    population: number | null;
    /** An arrondissement of Paris, Lyon or Marseille has its commune as parent (migration 007). */
    kind: Generated<'commune' | 'arrondissement'>;
    parent_code: OptionalNullable<string>;
  };
  organisations: { id: Id; name: string; siret: string | null; departement_code: string | null; created_at: Timestamp; kinds: Generated<string[]> };
  users: { id: Id; email: string; display_name: string; password_hash: string | null; created_at: Timestamp };
  memberships: { user_id: number; organisation_id: number; role: Role; is_org_admin: Generated<boolean> };
  sessions: { token_hash: string; user_id: number; created_at: Timestamp; expires_at: Timestamp };
  api_tokens: {
    id: Id;
    user_id: number;
    name: string;
    token_hash: string;
    created_at: Timestamp;
    revoked_at: NullableTimestamp;
    /** The token's first characters, shown in the list (010); null for tokens created before. */
    token_prefix: string | null;
    last_used_at: NullableTimestamp;
  };
  invitations: {
    token_hash: string;
    organisation_id: number;
    email: string;
    role: Role;
    invited_by: number;
    created_at: Timestamp;
    expires_at: Timestamp;
    accepted_at: NullableTimestamp;
    revoked_at: Generated<Date | null>;
  };
  password_resets: { token_hash: string; user_id: number; created_at: Generated<Date>; expires_at: Timestamp; used_at: NullableTimestamp };
  rate_limits: { key: string; window_start: Timestamp; hits: number };
  /** Wrong passwords per e-mail typed (its SHA-256): accounts/use-cases/sign-in-throttle.ts. */
  sign_in_failures: { email_hash: string; failures: number; last_failure_at: Timestamp; blocked_until: NullableTimestamp };
  places: {
    id: Id;
    organisation_id: number | null;
    standard_id: Generated<string>;
    name: string;
    pivot: string | null;
    commune_code: string;
    commune_name: string;
    postal_code: string;
    address: string;
    address_complement: string | null;
    latitude: number;
    longitude: number;
    coordinates_from_commune: Generated<boolean>;
    typologies: Generated<string[]>;
    phone: string | null;
    emails: Generated<string[]>;
    websites: Generated<string[]>;
    opening_hours: string | null;
    summary: string | null;
    description: string | null;
    source: string | null;
    mobility: Generated<string[]>;
    parent_structure: string | null;
    updated_on: ColumnType<string, string | undefined, string>;
    services: Generated<string[]>;
    publics: Generated<string[]>;
    specific_support: Generated<string[]>;
    costs: Generated<string[]>;
    national_programmes: Generated<string[]>;
    training_labels: Generated<string[]>;
    other_labels: string | null;
    access_modes: Generated<string[]>;
    support_modes: Generated<string[]>;
    accessibility_url: string | null;
    booking_url: string | null;
    step_free_access: boolean | null;
    accessibility_notes: string | null;
    normalised_name: string;
    address_key: string;
    content_hash: string | null;
    active: Generated<boolean>;
    /** The record kept when this one was merged into it as a duplicate (migration 009). */
    merged_into: Generated<number | null>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  bank_accounts: {
    id: Id;
    place_id: number;
    holder_name: string;
    iban: string;
    bic: string;
    status: 'pending' | 'confirmed' | 'superseded' | 'cancelled' | 'refused';
    requested_by: number;
    requested_at: Timestamp;
    confirmed_by: number | null;
    confirmed_at: NullableTimestamp;
    /** Refused by a person who may confirm, with the reason the place's mediators read (migration 009). */
    refused_by: Generated<number | null>;
    refused_at: Generated<Date | null>;
    refusal_reason: Generated<string | null>;
  };
  reimbursement_runs: {
    id: Id;
    until: string;
    status: Generated<'ready' | 'paid'>;
    message_id: string;
    statement_count: Generated<number>;
    voucher_count: Generated<number>;
    total_cents: Generated<number>;
    created_by: number | null;
    created_at: Timestamp;
    paid_by: number | null;
    paid_at: NullableTimestamp;
  };
  statements: {
    id: Id;
    run_id: number;
    place_id: number;
    organisation_id: number | null;
    bank_account_id: number;
    voucher_count: Generated<number>;
    total_cents: Generated<number>;
    status: Generated<'included' | 'paid' | 'rejected'>;
    rejected_by: number | null;
    rejected_at: NullableTimestamp;
    rejection_reason: string | null;
  };
  statement_lines: { voucher_serial: number; statement_id: number; programme_id: number; amount_cents: number };
  expiry_warnings: { order_id: number; organisation_id: number; sent_at: Timestamp; recipients: number };
  /** One per notifying journal row (migration 008, src/notifications). */
  notification_events: {
    id: Id;
    audit_event_id: number;
    kind: 'label_application' | 'bank_details' | 'order_paid' | 'booklets_allocated' | 'label_decided' | 'bank_details_refused' | 'pilotage_nudge';
    occurred_at: Timestamp;
    subject: string;
    body: string;
    link: string;
    created_at: Timestamp;
  };
  /** One per event and recipient: the inbox's read state (`listed` events) and the e-mail sent once. */
  notification_deliveries: {
    event_id: number;
    user_id: number;
    listed: boolean;
    read_at: NullableTimestamp;
    mail_status: Generated<'pending' | 'sending' | 'sent' | 'failed'>;
    mail_attempts: Generated<number>;
    mailed_at: NullableTimestamp;
  };
  organisation_departements: { organisation_id: number; departement_code: string };
  /** Migration 014: the pilotage's daily facts (pilotage/use-cases/cube-sql.ts), rolled up per département by day and month. */
  pilotage_facts: {
    day: string;
    metric: string;
    departement_code: string | null;
    commune_code: string | null;
    programme_id: number | null;
    funder_id: number | null;
    prescriber_id: number | null;
    place_id: number | null;
    theme: string | null;
    bucket: number | null;
    count: ColumnType<string, number | string | bigint, number | string | bigint>;
    amount_cents: ColumnType<string, number | string | bigint, number | string | bigint>;
    beneficiaries: number;
  };
  pilotage_dept_days: PilotageRollupRow & { day: string };
  pilotage_dept_months: PilotageRollupRow & { month: string };
  pilotage_france_days: Omit<PilotageRollupRow, 'departement_code' | 'programme_id' | 'funder_id'> & { day: string };
  pilotage_france_months: Omit<PilotageRollupRow, 'departement_code' | 'programme_id' | 'funder_id'> & { month: string };
  /** Insert-only: the Paris days a base-table statement touched, until the next refresh recomputes them. */
  pilotage_dirty_days: { id: Generated<string>; day: string };
  /** Migration 015: the settings of each kind of nudge (pilotage/domain/sleeping.ts) and the nudges sent, once per period. */
  nudge_settings: {
    kind: 'allocated_not_handed' | 'handed_unused' | 'few_redemptions' | 'close_to_expiry';
    enabled: boolean;
    threshold_days: number;
    min_redemptions: number | null;
    period: 'week' | 'month';
    updated_at: Generated<Date>;
    updated_by: number | null;
  };
  nudges_sent: {
    kind: 'allocated_not_handed' | 'handed_unused' | 'few_redemptions' | 'close_to_expiry';
    organisation_id: number;
    period_key: string;
    count: number;
    sent_at: Generated<Date>;
  };
  /** Migration 016: the IFN and working-age population per commune (pilotage/use-cases/commune-facts.ts). */
  commune_facts: {
    insee_code: string;
    ifn_no_thd: number | null;
    ifn_no_4g: number | null;
    ifn_poverty: number | null;
    ifn_older_65: number | null;
    ifn_low_diploma: number | null;
    ifn_total: number | null;
    ifn_derived: Generated<boolean>;
    working_age_population: number | null;
  };
  /** Migration 016: the coverage of every commune, replaced whole by refreshCoverage (pilotage/use-cases/coverage.ts). */
  coverage_communes: {
    insee_code: string;
    departement_code: string;
    population: number;
    ifn_total: number | null;
    need_people: number;
    weighted_need: number;
    places: number;
    labelled_places: number;
    places_accepting_pass: number;
    mediators: number;
    nearest_labelled_km: number | null;
    nearest_pass_km: number | null;
    offer: number;
    unmet_need: number;
    gap_score: number;
    computed_at: Timestamp;
  };
  coverage_departements: {
    departement_code: string;
    communes: number;
    population: number;
    ifn_total: number | null;
    need_people: number;
    weighted_need: number;
    unmet_need: number;
    places: number;
    labelled_places: number;
    places_accepting_pass: number;
    mediators: number;
    population_far: number;
    gap_score: number;
    computed_at: Timestamp;
  };
  place_programmes: { place_id: number; programme_id: number; since: Timestamp };
  label_criteria: { id: Id; title: string; description: Generated<string>; position: Generated<number>; active: Generated<boolean> };
  place_labels: {
    id: Id;
    place_id: number;
    status: LabelStatus;
    criteria_met: Generated<number[]>;
    applicant_note: Generated<string>;
    applied_by: number | null;
    applied_at: Timestamp;
    decided_by: number | null;
    decided_at: NullableTimestamp;
    decision_reason: string | null;
    valid_from: string | null;
    valid_until: string | null;
  };
  place_duplicates: {
    place_id: number;
    other_place_id: number;
    reason: 'same_siret' | 'same_name_nearby';
    status: Generated<'open' | 'distinct' | 'resolved' | 'merged'>;
    detected_at: Timestamp;
    reviewed_by: number | null;
    reviewed_at: NullableTimestamp;
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
  programme_cofunders: {
    programme_id: number;
    organisation_id: number;
    share_bp: number;
    status: Generated<'pending' | 'accepted' | 'refused'>;
    decided_at: NullableTimestamp;
    decided_by: number | null;
    refusal_reason: string | null;
  };
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
    /** 4 for booklets issued before migration 006, 6 since. */
    pin_digits: Generated<number>;
    /** Wrong PINs since the last right one; the booklet locks at 10 (pass/use-cases/booklet-pin.ts). */
    pin_failures: Generated<number>;
    locked_at: Generated<Date | null>;
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
    place_id: number | null;
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
  diagnostics: {
    id: Generated<string>;
    kind: 'initial' | 'followup';
    items_version: string;
    started_at: Timestamp;
    started_by: number | null;
    organisation_id: number | null;
    booklet_id: number | null;
    near: string | null;
    finished_at: NullableTimestamp;
    overall_level: number | null;
    topic_levels: ColumnType<unknown, string | null | undefined, string | null>;
    obstacles: ColumnType<unknown, string | null | undefined, string | null>;
    recommendation: ColumnType<unknown, string | null | undefined, string | null>;
    /** Migration 012: who reads the advice, the early stop, the answers the way back took back (by question id). */
    reader: Generated<'person' | 'professional'>;
    stopped_early: Generated<boolean>;
    previous_answers: ColumnType<unknown, string | undefined, string>;
  };
  diagnostic_responses: {
    diagnostic_id: string;
    position: number;
    question_id: string;
    answer: string[];
    correct: boolean | null;
    answered_at: Timestamp;
  };
  accompaniments: {
    id: Id;
    kind: 'individual' | 'workshop';
    place_id: number;
    organisation_id: number;
    occurred_on: string;
    duration_minutes: number;
    themes: string[];
    recorded_by: number;
    recorded_at: Timestamp;
  };
  accompaniment_participants: {
    id: Id;
    accompaniment_id: number;
    voucher_serial: number | null;
    autonomy_observed: number | null;
    referral: string | null;
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

interface PilotageRollupRow {
  metric: string;
  departement_code: string | null;
  programme_id: number | null;
  funder_id: number | null;
  theme: string | null;
  bucket: number | null;
  count: ColumnType<string, number | string | bigint, number | string | bigint>;
  amount_cents: ColumnType<string, number | string | bigint, number | string | bigint>;
  beneficiaries_max: number;
  beneficiaries_sum: number;
}

export type OrderRow = Selectable<DB['orders']>;
export type ProgrammeRow = Selectable<DB['programmes']>;
export type BookletRow = Selectable<DB['booklets']>;
export type VoucherRow = Selectable<DB['vouchers']>;
