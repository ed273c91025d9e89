-- Space accounting: volume limits, quotas (directory, user, group) and directory statistics.
--
-- Limits are exact without a hot row. Usage is striped (a shard per backend, pg_backend_pid() % 64),
-- and each shard may only grow up to its *allowance* (grant). The grants of one quota never sum past
-- its limit, so no interleaving of writers on any number of replicas can pass it. A shard that runs
-- out asks for more (store/quotas.ts refill): from what is not granted yet, else from the unused
-- allowance of other shards, else the limit is reached (ENOSPC / EDQUOT). A null grant: unlimited.

alter table usage_shard add column space_grant bigint, add column inode_grant bigint;

-- kind: 1 directory (key = inode), 2 user (key = uid), 3 group (key = gid). Limits <= 0: unlimited.
create table quota (
  kind smallint not null,
  key bigint not null,
  max_space bigint not null default 0,
  max_inodes bigint not null default 0,
  primary key (kind, key)
);

create table quota_shard (
  kind smallint not null,
  key bigint not null,
  shard integer not null,
  space bigint not null default 0,
  inodes bigint not null default 0,
  space_grant bigint,
  inode_grant bigint,
  primary key (kind, key, shard),
  foreign key (kind, key) references quota (kind, key) on delete cascade
);

-- Directory statistics (Format dir_stats): per directory, the length, space and inode count of its
-- direct children, striped like usage so one busy directory is not one hot row.
create table dir_stat (
  inode bigint not null,
  shard integer not null,
  length bigint not null default 0,
  space bigint not null default 0,
  inodes bigint not null default 0,
  primary key (inode, shard)
);

-- Whether the volume keeps directory statistics (Format dir_stats).
create function fsmeta_dir_stats_on() returns boolean
language sql stable as $$
  select coalesce((select (value->>'dirStats')::boolean from setting where name = 'format'), false)
$$;

-- Adds to a directory's statistics, on this backend's stripe (rows appear on first use).
create function fsmeta_dir_stat_add(d bigint, dl bigint, ds bigint, di bigint) returns void
language sql as $$
  insert into dir_stat (inode, shard, length, space, inodes) values (d, pg_backend_pid() % 16, dl, ds, di)
  on conflict (inode, shard) do update
    set length = dir_stat.length + excluded.length, space = dir_stat.space + excluded.space,
        inodes = dir_stat.inodes + excluded.inodes
$$;

-- Adds (ds, di) to this backend's shard of one quota (kind 0: the volume) and fails with SQLSTATE
-- FQ001 when a growth does not fit the shard's allowance; the detail names the quota and the need.
create function fsmeta_charge_shard(k smallint, q bigint, ds bigint, di bigint) returns void
language plpgsql as $$
begin
  if ds = 0 and di = 0 then
    return;
  end if;
  if k = 0 then
    update usage_shard set space = space + ds, inodes = inodes + di
     where shard = pg_backend_pid() % 64
       and (ds <= 0 or space_grant is null or space + ds <= space_grant)
       and (di <= 0 or inode_grant is null or inodes + di <= inode_grant);
  else
    update quota_shard set space = space + ds, inodes = inodes + di
     where kind = k and key = q and shard = pg_backend_pid() % 64
       and (ds <= 0 or space_grant is null or space + ds <= space_grant)
       and (di <= 0 or inode_grant is null or inodes + di <= inode_grant);
  end if;
  if not found then
    raise exception using errcode = 'FQ001', message = 'fsmeta: quota allowance exhausted',
      detail = k::text || ' ' || q::text || ' ' || ds::text || ' ' || di::text;
  end if;
end $$;

-- The directory quotas over `dir` (the quota of `dir` itself included), nearest first. The trash
-- (inodes from 0x7FFFFFFF10000000, JuiceFS TrashInode) is under none: what is in it counts only in
-- the volume.
create function fsmeta_dir_quotas(dir bigint) returns setof bigint
language sql stable as $$
  with recursive up (inode, depth) as (
    select dir, 0 where dir < 9223372032559808512
    union all
    select n.parent, up.depth + 1 from up join node n on n.inode = up.inode
     where up.inode <> 1 and n.parent <> 0 and n.parent < 9223372032559808512 and up.depth < 100000
  )
  select q.key from up join quota q on q.kind = 1 and q.key = up.inode order by up.depth
$$;

-- Charges a change of space and inodes, in JuiceFS checkQuota's order: the owner's user quota, its
-- group quota, the volume (ds, di each), then every directory quota over each of `dirs` (dds, ddi
-- per directory: one entry per link). Directory statistics of `dirs` move by (dlen, dds, ddi) when
-- the volume keeps them. Returns 1 (to be selected by the statement that calls it).
create function fsmeta_charge(uid bigint, gid bigint, ds bigint, di bigint,
                              dirs bigint[], dds bigint, ddi bigint, dlen bigint) returns integer
language plpgsql as $$
declare
  d bigint;
  q bigint;
begin
  if ds <> 0 or di <> 0 then
    if uid is not null and exists (select 1 from quota where kind = 2 and key = uid) then
      perform fsmeta_charge_shard(2::smallint, uid, ds, di);
    end if;
    if gid is not null and exists (select 1 from quota where kind = 3 and key = gid) then
      perform fsmeta_charge_shard(3::smallint, gid, ds, di);
    end if;
    perform fsmeta_charge_shard(0::smallint, 0, ds, di);
  end if;
  if dirs is not null and (dds <> 0 or ddi <> 0) and exists (select 1 from quota where kind = 1) then
    foreach d in array dirs loop
      for q in select fsmeta_dir_quotas(d) loop
        perform fsmeta_charge_shard(1::smallint, q, dds, ddi);
      end loop;
    end loop;
  end if;
  if dirs is not null and (dlen <> 0 or dds <> 0 or ddi <> 0) and fsmeta_dir_stats_on() then
    foreach d in array dirs loop
      perform fsmeta_dir_stat_add(d, dlen, dds, ddi);
    end loop;
  end if;
  return 1;
end $$;

-- Moves an entry (node `moved`) from directory `src` to `dst` in the quotas and statistics: the
-- quotas over dst only are charged (and checked), those over src only given back, the statistics
-- of both parents change. A directory moving between different quota trees moves its whole
-- subtree's usage, recounted, which needs the exclusive structure lock: without `may_recount` the
-- function changes nothing and returns false, and the caller starts over holding it.
create function fsmeta_move(src bigint, dst bigint, moved bigint, may_recount boolean) returns boolean
language plpgsql as $$
declare
  mtype smallint;
  mlen bigint;
  own bigint;
  s bigint;
  i bigint := 1;
  from_q bigint[];
  to_q bigint[];
  k bigint;
begin
  if src = dst then
    return true;
  end if;
  select type, length into mtype, mlen from node where inode = moved;
  if not found then
    return true;
  end if;
  own := case when mtype = 1 then (case when mlen <= 0 then 4096 else ((mlen + 4095) / 4096) * 4096 end) else 4096 end;
  s := own;
  if exists (select 1 from quota where kind = 1) then
    from_q := array(select fsmeta_dir_quotas(src));
    to_q := array(select fsmeta_dir_quotas(dst));
    if exists (select unnest(to_q) except select unnest(from_q)) or exists (select unnest(from_q) except select unnest(to_q)) then
      if mtype = 2 then
        if not may_recount then
          return false;
        end if;
        select u.space + 4096, u.inodes + 1 into s, i from fsmeta_subtree_usage(moved) u;
      end if;
      for k in select t.q from unnest(to_q) with ordinality t(q, o) where t.q <> all(from_q) order by t.o loop
        perform fsmeta_charge_shard(1::smallint, k, s, i);
      end loop;
      for k in select t.q from unnest(from_q) with ordinality t(q, o) where t.q <> all(to_q) order by t.o loop
        perform fsmeta_charge_shard(1::smallint, k, -s, -i);
      end loop;
    end if;
  end if;
  if fsmeta_dir_stats_on() then
    perform fsmeta_dir_stat_add(src, case when mtype = 1 then -mlen else 0 end, -own, -1);
    perform fsmeta_dir_stat_add(dst, case when mtype = 1 then mlen else 0 end, own, 1);
  end if;
  return true;
end $$;

-- A trash hour directory appears (delta 1) or goes (-1): 4 KiB and an inode of the volume's usage
-- and, moved together with it, of this shard's allowance, so hour directories are outside the
-- volume's limits (JuiceFS creates them without checkQuota) and still no limit is passed; the
-- trash root's statistics; a removed hour directory's own statistics go.
create function fsmeta_hour_dir(delta integer, trash bigint, hour bigint) returns integer
language plpgsql as $$
begin
  update usage_shard set space = space + 4096 * delta, inodes = inodes + delta,
         space_grant = space_grant + 4096 * delta, inode_grant = inode_grant + delta
   where shard = pg_backend_pid() % 64;
  if fsmeta_dir_stats_on() then
    perform fsmeta_dir_stat_add(trash, 0, 4096 * delta, delta);
  end if;
  if delta < 0 then
    delete from dir_stat where inode = hour;
  end if;
  return 1;
end $$;

-- A chown: the inode's space `s` and its inode move from the old owner's user / group quotas to the
-- new owner's (charged and checked like any growth: user, then group).
create function fsmeta_chown(old_uid bigint, old_gid bigint, new_uid bigint, new_gid bigint, s bigint) returns integer
language plpgsql as $$
begin
  if new_uid <> old_uid then
    if exists (select 1 from quota where kind = 2 and key = new_uid) then
      perform fsmeta_charge_shard(2::smallint, new_uid, s, 1);
    end if;
    if exists (select 1 from quota where kind = 2 and key = old_uid) then
      perform fsmeta_charge_shard(2::smallint, old_uid, -s, -1);
    end if;
  end if;
  if new_gid <> old_gid then
    if exists (select 1 from quota where kind = 3 and key = new_gid) then
      perform fsmeta_charge_shard(3::smallint, new_gid, s, 1);
    end if;
    if exists (select 1 from quota where kind = 3 and key = old_gid) then
      perform fsmeta_charge_shard(3::smallint, old_gid, -s, -1);
    end if;
  end if;
  return 1;
end $$;

-- Usage of the subtree under `dir` (not `dir` itself), counted per entry as quotas count it: a
-- regular file its 4 KiB-aligned length, anything else 4 KiB; one inode per entry.
create function fsmeta_subtree_usage(dir bigint, out space bigint, out inodes bigint)
language sql stable as $$
  with recursive t (inode) as (
    select dir
    union all
    select e.inode from t join edge e on e.parent = t.inode where e.type = 2
  )
  select coalesce(sum(case when n.type = 1 then (case when n.length <= 0 then 4096 else ((n.length + 4095) / 4096) * 4096 end) else 4096 end), 0)::bigint,
         count(e.inode)::bigint
    from t join edge e on e.parent = t.inode join node n on n.inode = e.inode
$$;

-- A volume formatted with limits before this migration: allowances start at the current usage.
update usage_shard set
  space_grant = case when coalesce((select (value->>'capacity')::bigint from setting where name = 'format'), 0) > 0 then space end,
  inode_grant = case when coalesce((select (value->>'inodes')::bigint from setting where name = 'format'), 0) > 0 then inodes end;
