-- Unlink's and Rmdir's locks in one statement (store/nodes.ts lockEntry). The entry is read, a
-- directory's advisory lock taken (before any row lock, as getEdgeForRemoval), then the entry's node
-- FOR UPDATE and the other rows (p_update FOR UPDATE, p_share FOR KEY SHARE) one by one in
-- ascending inode order, and the entry read again: if a concurrent rename or removal changed it
-- meanwhile, again with the new one (the locks taken stay held, as they would client-side). Each
-- statement in here sees what committed before it, so the entry returned is the one the locks
-- hold still. Returns the entry (none: the name is free).
create function fsmeta_lock_entry(p_parent bigint, p_name bytea, p_update bigint[], p_share bigint[])
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
