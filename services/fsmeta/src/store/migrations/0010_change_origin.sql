-- The origin of a change (docs/api.md, Watch): the (session, request id) of the mutation whose
-- transaction recorded it. A mutation logs its outcome in request_log in its own transaction, so
-- that row's transaction id names it; the feed joins change_log.xid to it. A client skips the echo
-- of its own acknowledged mutations (docs/client.md). Rows from before this migration have none.
alter table request_log add column xid xid8;
alter table request_log alter column xid set default pg_current_xact_id();
create index request_log_xid on request_log (xid);
