-- A request id is bound to the request it was first used for: the RPC's name and a
-- fingerprint (SHA-256, 16 bytes) of the request body. A reuse for anything else is
-- refused instead of answered with the first request's outcome. Null in rows written
-- before this migration: those match any request, as before.
alter table request_log add column method text, add column fingerprint bytea;
