-- A transaction's last statement may travel with its COMMIT (store/db.ts PipelinedTx). Such a
-- statement cannot leave the decision "commit or not" to code that reads its result afterwards, so
-- it calls fsmeta_fallback(<its outcome is the plain one>) instead: false or null raises FZ001,
-- the statement and with it the whole attempt roll back, and the transaction runs again the
-- ordinary way (the last statement's result checked before COMMIT). Never raised for a request's
-- actual answer: the ordinary run decides that.
create function fsmeta_fallback(ok boolean) returns boolean
language plpgsql as $$
begin
  if ok is not true then
    raise exception using errcode = 'FZ001', message = 'fsmeta: fast path declined';
  end if;
  return true;
end
$$;
