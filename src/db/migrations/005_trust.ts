import { sql, type Kysely } from 'kysely';

/**
 * Trust foundation: organisation kinds (which roles members may hold), co-funders accepting their share,
 * revocable invitations, single-use password resets.
 *
 * Kinds of existing organisations are derived from their memberships, except that a privileged role (funder, hub,
 * national administration) obtained only through an invitation sent by a non-administrator grants no kind: such
 * memberships stop giving power and are listed for review (`inclusif memberships review`, /admin/organisations),
 * never deleted. Existing co-funders without the funder kind are set back to « pending ».
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
alter table organisations add column kinds text[] not null default '{}'
  check (kinds <@ array['funder','prescriber','place_operator','hub','national_operator']::text[]);

with granted as (
  select m.organisation_id, m.role
  from memberships m join users u on u.id = m.user_id
  where m.role in ('prescriber', 'helper', 'mediator')
     or not exists (
       select 1 from invitations i
       where i.organisation_id = m.organisation_id and i.role = m.role and i.email = u.email and i.accepted_at is not null
         and not exists (select 1 from memberships a where a.user_id = i.invited_by and a.role = 'admin'))
),
derived as (
  select organisation_id, case role when 'mediator' then 'place_operator' when 'helper' then 'prescriber'
                                    when 'admin' then 'national_operator' else role end as kind
  from granted
  union select organisation_id, 'place_operator' from places where organisation_id is not null
)
update organisations o set kinds = array(select distinct d.kind from derived d where d.organisation_id = o.id order by 1);

alter table programme_cofunders
  add column status text not null default 'pending' check (status in ('pending', 'accepted', 'refused')),
  add column decided_at timestamptz,
  add column decided_by bigint references users,
  add column refusal_reason text;
update programme_cofunders pc set status = 'accepted', decided_at = now()
  from organisations o where o.id = pc.organisation_id and 'funder' = any(o.kinds);

alter table invitations add column revoked_at timestamptz;

create table password_resets (
  token_hash text primary key,
  user_id bigint not null references users on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index password_resets_user on password_resets (user_id);
create index sessions_user on sessions (user_id);
`.execute(db);
}
