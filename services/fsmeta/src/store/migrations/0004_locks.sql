-- File locks (Flock, GetLk, SetLk): owned by sessions, so a session's locks go
-- with it (CloseSession, expiry) through the foreign keys. See docs/locking.md.

-- flock(2) locks, one row per (inode, session, owner), as JuiceFS's jfs_flock.
create table flock (
  inode bigint not null,
  sid bigint not null references session (sid) on delete cascade,
  -- the kernel's lock owner, a u64 stored as its two's-complement int8
  owner bigint not null,
  ltype "char" not null check (ltype in ('R', 'W')),
  primary key (inode, sid, owner)
);
create index flock_sid on flock (sid);

-- fcntl(2) record locks, one row per (inode, session, owner) holding that
-- owner's ranges as 24-byte big-endian records (type u32, pid u32, start u64,
-- end u64; inclusive, sorted, disjoint), as JuiceFS's jfs_plock.
create table plock (
  inode bigint not null,
  sid bigint not null references session (sid) on delete cascade,
  owner bigint not null,
  records bytea not null,
  primary key (inode, sid, owner)
);
create index plock_sid on plock (sid);

-- Blocked requests, queued in id order: a new request that conflicts with an
-- older live waiter waits behind it, so a stream of shared locks cannot starve
-- an exclusive waiter. The waiting replica renews lease_until; a waiter whose
-- replica died is ignored once its lease has passed and deleted later.
create table lock_waiter (
  id bigint generated always as identity primary key,
  inode bigint not null,
  -- 'F' flock, 'P' POSIX
  kind "char" not null check (kind in ('F', 'P')),
  sid bigint not null references session (sid) on delete cascade,
  owner bigint not null,
  -- the requested lock: one record in plock's encoding
  request bytea not null,
  lease_until timestamptz not null
);
create index lock_waiter_inode on lock_waiter (inode, kind, id);
create index lock_waiter_sid on lock_waiter (sid);
create index lock_waiter_lease on lock_waiter (lease_until);

-- Anything that may free a lock (a row deleted or changed: unlock, downgrade,
-- session end, a waiter giving up) wakes the waiters of that inode on every
-- replica. Notifications are sent at commit and deduplicated per transaction.
create function fsmeta_lock_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('fsmeta_locks', old.inode::text);
  return null;
end
$$;
create trigger flock_changed after update or delete on flock
  for each row execute function fsmeta_lock_changed();
create trigger plock_changed after update or delete on plock
  for each row execute function fsmeta_lock_changed();
create trigger lock_waiter_gone after delete on lock_waiter
  for each row execute function fsmeta_lock_changed();
