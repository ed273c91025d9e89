-- Directory statistics count the symlinks among a directory's direct children, so GetSummary's
-- symlink count comes from the statistics like its other totals (only directories are visited),
-- exact at commit for the same reason: the mutation that adds or removes the entry changes them.

alter table dir_stat add column symlinks bigint not null default 0;

-- As before, plus `dsym` symlinks (0 unless the entry is a symlink).
drop function fsmeta_dir_stat_add(bigint, bigint, bigint, bigint);
create function fsmeta_dir_stat_add(d bigint, dl bigint, ds bigint, di bigint, dsym bigint default 0) returns void
language sql as $$
  insert into dir_stat (inode, shard, length, space, inodes, symlinks) values (d, pg_backend_pid() % 16, dl, ds, di, dsym)
  on conflict (inode, shard) do update
    set length = dir_stat.length + excluded.length, space = dir_stat.space + excluded.space,
        inodes = dir_stat.inodes + excluded.inodes, symlinks = dir_stat.symlinks + excluded.symlinks
$$;

-- As migration 0005's, plus `dsym`: the change of symlink entries in each of `dirs` (statistics only).
drop function fsmeta_charge(bigint, bigint, bigint, bigint, bigint[], bigint, bigint, bigint);
create function fsmeta_charge(uid bigint, gid bigint, ds bigint, di bigint,
                              dirs bigint[], dds bigint, ddi bigint, dlen bigint, dsym bigint default 0) returns integer
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
  if dirs is not null and (dlen <> 0 or dds <> 0 or ddi <> 0 or dsym <> 0) and fsmeta_dir_stats_on() then
    foreach d in array dirs loop
      perform fsmeta_dir_stat_add(d, dlen, dds, ddi, dsym);
    end loop;
  end if;
  return 1;
end $$;

-- As migration 0005's; a moved symlink moves its count between the parents' statistics.
create or replace function fsmeta_move(src bigint, dst bigint, moved bigint, may_recount boolean) returns boolean
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
  sym bigint;
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
    sym := case when mtype = 3 then 1 else 0 end;
    perform fsmeta_dir_stat_add(src, case when mtype = 1 then -mlen else 0 end, -own, -1, -sym);
    perform fsmeta_dir_stat_add(dst, case when mtype = 1 then mlen else 0 end, own, 1, sym);
  end if;
  return true;
end $$;

-- Volumes that keep statistics already: their symlinks counted once, on stripe 0.
insert into dir_stat (inode, shard, symlinks)
select parent, 0, count(*) from edge where type = 3 and fsmeta_dir_stats_on() group by parent
on conflict (inode, shard) do update set symlinks = excluded.symlinks;
