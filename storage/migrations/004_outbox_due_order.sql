-- The sweep asks for the oldest due rows in (due_at, key) order, 200 at a time. Indexed on due_at alone,
-- SQLite read and sorted every due row to return the first 200 (on a 1,000,000-hazard ledger with 1 % due:
-- 10,000 rows, 50 ms a sweep); with the key in the index it reads only the rows it returns.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (due_at, key) WHERE status = 'pending';
