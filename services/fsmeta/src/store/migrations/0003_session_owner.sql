-- The identity that created a session (docs/security.md); null for sessions opened
-- without authentication. Another non-admin identity using the session is refused.
alter table session add column owner text;
