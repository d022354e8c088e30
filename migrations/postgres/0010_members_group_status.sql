-- A group's subscriber and member counts (store::groups::detail, the group
-- view's first frame) read from this index alone: with members_group they
-- fetched every member row of the group. On 1 000 000 members, a group of
-- 50 000 subscribers: 60 ms of PostgreSQL heap reads, 21 ms index-only.
-- Kept in step with migrations/sqlite/0010_members_group_status.sql.

CREATE INDEX members_group_status ON members (group_id, status, relationship);
