-- fsmeta schema v1. Forward-only: never edit a released migration, add a new one.
-- Every unsigned 32-bit field (uid, gid, nlink, rdev, mode, flags) is BIGINT.

-- Volume settings (key 'format').
create table setting (
  name text primary key,
  value jsonb not null
);

create table node (
  inode bigint primary key,
  type smallint not null,
  flags bigint not null default 0,
  mode bigint not null,
  uid bigint not null,
  gid bigint not null,
  rdev bigint not null default 0,
  atime_ns bigint not null,
  mtime_ns bigint not null,
  ctime_ns bigint not null,
  nlink bigint not null,
  length bigint not null default 0,
  -- the directory holding the only link; 0 once hard-linked (parents come from edges then)
  parent bigint not null
);

-- Directory entries. Names are raw bytes.
create table edge (
  parent bigint not null,
  name bytea not null,
  inode bigint not null,
  type smallint not null,
  primary key (parent, name)
);
create index edge_inode on edge (inode);

create table symlink (
  inode bigint primary key,
  target bytea not null
);

create table xattr (
  inode bigint not null,
  name bytea not null,
  value bytea not null,
  primary key (inode, name)
);

-- Inode and slice ids come from sequences: no hot counter row.
create sequence inode_seq start 2;
-- NewSlices takes one block of SLICE_ID_BLOCK ids per call.
create sequence slice_seq start 1 increment 4096;
create sequence session_seq start 1;

create table session (
  sid bigint primary key,
  info jsonb not null,
  read_only boolean not null default false,
  created_at timestamptz not null default now(),
  expire_at timestamptz not null
);
create index session_expire on session (expire_at);

-- Open files per session, so any replica knows whether an inode is open.
create table open_file (
  sid bigint not null,
  inode bigint not null,
  refs bigint not null,
  primary key (sid, inode)
);
create index open_file_inode on open_file (inode);

-- Outcomes of mutations by (session, request id): a retried request returns the first outcome.
create table request_log (
  sid bigint not null references session (sid) on delete cascade,
  request_id text not null,
  outcome bytea not null,
  created_at timestamptz not null default now(),
  primary key (sid, request_id)
);
create index request_log_created on request_log (created_at);

-- Used space and inode totals, striped so concurrent writers do not share one row.
-- The volume totals are the sums over all shards; every change commits with its mutation.
create table usage_shard (
  shard integer primary key,
  space bigint not null default 0,
  inodes bigint not null default 0
);
insert into usage_shard (shard) select generate_series(0, 63);

-- One row per (file, chunk index): 24-byte big-endian slice records, oldest first
-- (pos u32, id u64, size u32, off u32, len u32), as JuiceFS's jfs_chunk.
create table chunk (
  inode bigint not null,
  indx bigint not null,
  slices bytea not null,
  primary key (inode, indx)
);

-- Reference count of every slice id recorded in some chunk.
create table slice_ref (
  id bigint primary key,
  size bigint not null,
  refs bigint not null
);

-- Files whose data must be released (last link gone, not open): chunk rows dropped,
-- slice references decremented. Drained by any replica.
create table file_release (
  inode bigint primary key,
  queued_at timestamptz not null default now()
);

-- Slices with no references left, waiting for a storage node to delete their objects.
create table slice_deletion (
  id bigint primary key,
  size bigint not null,
  lease_until timestamptz not null default '-infinity',
  queued_at timestamptz not null default now()
);
create index slice_deletion_lease on slice_deletion (lease_until);

-- Chunks offered for compaction; a claim records the records it covers.
create table compaction (
  inode bigint not null,
  indx bigint not null,
  lease_until timestamptz not null default '-infinity',
  new_slice_id bigint,
  claimed bytea,
  merged_pos bigint,
  merged_size bigint,
  primary key (inode, indx)
);
create index compaction_lease on compaction (lease_until);
