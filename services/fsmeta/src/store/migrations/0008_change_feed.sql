-- The change feed behind Watch (docs/api.md, store/changes.ts).
--
-- Row triggers on node, edge, chunk and xattr record every change in the writing
-- transaction itself, so a change becomes visible exactly when its mutation commits
-- and disappears with it on rollback. No mutation statement names this table.
--
-- Each row carries its transaction's full id (xid8). Positions are PostgreSQL
-- snapshots: "everything visible in snapshot P". A reader delivers the rows visible
-- to its statement but not in P, then stands at its statement's snapshot. Because
-- visibility is decided by commit, not by id order, this never skips a transaction
-- with a smaller id that commits later, and a transaction that committed before
-- another is never delivered after it. There is no sequence and no counter row:
-- concurrent writers share nothing but the table's xid index.

-- kind: 1 attributes of inode changed (parent = its parent directory, 0 if hard-linked);
--       2 entry (parent, name) added, removed or repointed (inode = what it names);
--       3 inode removed; 4 chunk (inode, indx) changed; 5 xattr (inode, name) changed.
create table change_log (
  xid xid8 not null default pg_current_xact_id(),
  kind smallint not null,
  inode bigint not null,
  parent bigint not null default 0,
  name bytea,
  indx bigint
);
create index change_log_xid on change_log (xid);

-- Retention: every prune tick records the oldest running transaction (oldest); rows older than
-- a mark past the retention are deleted, and `below` rises to that mark's oldest. A
-- position whose xmin is under `below` may have lost rows: its subscriber fell behind.
create table change_mark (
  at timestamptz not null default now(),
  oldest xid8 not null
);
create index change_mark_at on change_mark (at);

create table change_horizon (
  one boolean primary key default true check (one),
  below xid8 not null
);
insert into change_horizon (below) values ('0');

create function change_log_node() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    insert into change_log (kind, inode, parent) values (3, old.inode, old.parent);
  else
    insert into change_log (kind, inode, parent) values (1, new.inode, new.parent);
  end if;
  return null;
end $$;

create function change_log_edge() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' or (tg_op = 'UPDATE' and (old.parent, old.name) is distinct from (new.parent, new.name)) then
    insert into change_log (kind, inode, parent, name) values (2, old.inode, old.parent, old.name);
  end if;
  if tg_op <> 'DELETE' then
    insert into change_log (kind, inode, parent, name) values (2, new.inode, new.parent, new.name);
  end if;
  return null;
end $$;

create function change_log_chunk() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    insert into change_log (kind, inode, indx) values (4, old.inode, old.indx);
  else
    insert into change_log (kind, inode, indx) values (4, new.inode, new.indx);
  end if;
  return null;
end $$;

create function change_log_xattr() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    insert into change_log (kind, inode, name) values (5, old.inode, old.name);
  else
    insert into change_log (kind, inode, name) values (5, new.inode, new.name);
  end if;
  return null;
end $$;

-- A new node needs no row: nothing can have cached it, and the entry naming it is recorded.
create trigger node_changed after update on node for each row when (old.* is distinct from new.*) execute function change_log_node();
create trigger node_removed after delete on node for each row execute function change_log_node();
create trigger edge_changed after insert or delete on edge for each row execute function change_log_edge();
create trigger edge_repointed after update on edge for each row when (old.* is distinct from new.*) execute function change_log_edge();
create trigger chunk_changed after insert or delete on chunk for each row execute function change_log_chunk();
create trigger chunk_rewritten after update on chunk for each row when (old.* is distinct from new.*) execute function change_log_chunk();
create trigger xattr_changed after insert or delete on xattr for each row execute function change_log_xattr();
create trigger xattr_rewritten after update on xattr for each row when (old.* is distinct from new.*) execute function change_log_xattr();
