-- As migration 0012's, and the entry it returns is also left in the transaction-local setting
-- fsmeta.locked_entry ('' for none). The one-statement removals (store/nodes.ts removeEntryFast) are
-- sent behind it without its answer: they act only on that inode, so an entry created after the
-- locks were taken (its node not locked by this transaction) is never removed by them; they decline
-- and the ordinary path decides, as it would have (ENOENT for the entry it found missing).
create or replace function fsmeta_lock_entry(p_parent bigint, p_name bytea, p_update bigint[], p_share bigint[])
returns table (inode bigint, type smallint)
language plpgsql as $$
declare
  e_inode bigint;
  e_type smallint;
  now_inode bigint;
  upd bigint[];
  id bigint;
  tries int := 0;
begin
  loop
    select e.inode, e.type into e_inode, e_type from edge e where e.parent = p_parent and e.name = p_name;
    if e_type = 2 then
      perform pg_advisory_xact_lock(e_inode);
    end if;
    upd := case when e_inode is null then p_update else p_update || e_inode end;
    for id in select distinct x from unnest(upd || p_share) as x order by x loop
      if id = any(upd) then
        perform 1 from node n where n.inode = id for update;
      else
        perform 1 from node n where n.inode = id for key share;
      end if;
    end loop;
    select e.inode into now_inode from edge e where e.parent = p_parent and e.name = p_name;
    if now_inode is not distinct from e_inode then
      perform set_config('fsmeta.locked_entry', coalesce(e_inode::text, ''), true);
      if e_inode is not null then
        return query select e_inode, e_type;
      end if;
      return;
    end if;
    tries := tries + 1;
    if tries > 8 then
      raise exception using errcode = '40001', message = 'fsmeta: entry keeps changing';
    end if;
  end loop;
end
$$;
