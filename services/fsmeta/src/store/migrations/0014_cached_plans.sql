-- The helpers every charge calls (fsmeta_charge, migrations 0005 and 0009) in PL/pgSQL, with the
-- same signatures and results. A SQL-language function that cannot be inlined (these read tables
-- in a subquery) is parsed and planned again in every statement that calls it, while PL/pgSQL keeps
-- its statements' plans for the session: fsmeta_dir_stats_on alone was about half of a create's
-- charge (docs/benchmarks.md, "Cached plans in the charge").

create or replace function fsmeta_dir_stats_on() returns boolean
language plpgsql stable as $$
begin
  return coalesce((select (value->>'dirStats')::boolean from setting where name = 'format'), false);
end $$;

create or replace function fsmeta_dir_stat_add(d bigint, dl bigint, ds bigint, di bigint, dsym bigint default 0) returns void
language plpgsql as $$
begin
  insert into dir_stat (inode, shard, length, space, inodes, symlinks) values (d, pg_backend_pid() % 16, dl, ds, di, dsym)
  on conflict (inode, shard) do update
    set length = dir_stat.length + excluded.length, space = dir_stat.space + excluded.space,
        inodes = dir_stat.inodes + excluded.inodes, symlinks = dir_stat.symlinks + excluded.symlinks;
end $$;

create or replace function fsmeta_dir_quotas(dir bigint) returns setof bigint
language plpgsql stable as $$
begin
  return query
    with recursive up (inode, depth) as (
      select dir, 0 where dir < 9223372032559808512
      union all
      select n.parent, up.depth + 1 from up join node n on n.inode = up.inode
       where up.inode <> 1 and n.parent <> 0 and n.parent < 9223372032559808512 and up.depth < 100000
    )
    select q.key from up join quota q on q.kind = 1 and q.key = up.inode order by up.depth;
end $$;
