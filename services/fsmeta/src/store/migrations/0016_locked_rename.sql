-- As migration 0013's, and the entries it found are also left in the transaction-local settings
-- fsmeta.locked_src and fsmeta.locked_dst ('' for none). The one-statement rename (store/nodes.ts
-- renameFast) is sent behind it without its answer: it moves only the source it names and only when
-- no destination was found, so an entry created or replaced after the locks were taken (its node not
-- locked by this transaction) declines it, and the ordinary path decides, as it would have.
create or replace function fsmeta_lock_rename(p_src bigint, n_src bytea, p_dst bigint, n_dst bytea, p_exchange boolean)
returns table (which int, inode bigint, type smallint)
language plpgsql as $$
declare
  s_inode bigint;
  s_type smallint;
  d_inode bigint;
  d_type smallint;
  s2_inode bigint;
  s2_type smallint;
  d2_inode bigint;
  d2_type smallint;
  moves_locked boolean := false;
  tries int := 0;
begin
  loop
    select e.inode, e.type into s_inode, s_type from edge e where e.parent = p_src and e.name = n_src;
    select e.inode, e.type into d_inode, d_type from edge e where e.parent = p_dst and e.name = n_dst;
    if d_type = 2 then
      perform pg_advisory_xact_lock(d_inode);
    end if;
    if p_src <> p_dst and (s_type = 2 or (p_exchange and d_type = 2)) and not moves_locked then
      if tries > 0 then
        raise exception using errcode = '40001', message = 'fsmeta: rename became a directory move';
      end if;
      perform pg_advisory_xact_lock(-7362847127);
      moves_locked := true;
    end if;
    perform 1 from node n where n.inode = any(array[p_src, p_dst, s_inode, d_inode]) order by n.inode for update;
    select e.inode, e.type into s2_inode, s2_type from edge e where e.parent = p_src and e.name = n_src;
    select e.inode, e.type into d2_inode, d2_type from edge e where e.parent = p_dst and e.name = n_dst;
    if s2_inode is not distinct from s_inode and s2_type is not distinct from s_type
       and d2_inode is not distinct from d_inode and d2_type is not distinct from d_type then
      perform set_config('fsmeta.locked_src', coalesce(s_inode::text, ''), true);
      perform set_config('fsmeta.locked_dst', coalesce(d_inode::text, ''), true);
      if s_inode is not null then
        return query select 0, s_inode, s_type;
      end if;
      if d_inode is not null then
        return query select 1, d_inode, d_type;
      end if;
      return;
    end if;
    tries := tries + 1;
    if tries > 8 then
      raise exception using errcode = '40001', message = 'fsmeta: entries keep changing';
    end if;
  end loop;
end
$$;
