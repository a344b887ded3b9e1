-- Counting in the database (issue 16): /stats, the digest, the ranking and the quarterly table read
-- aggregates through indexes instead of loading every hazard with its events.
-- The hazards still in the loop, with every column counting groups and filters by: the snapshot's
-- GROUP BY state, grade and unit is answered from this index alone, never from the table.
CREATE INDEX hazards_live ON hazards
    (state, department_id, township_id, enterprise_id, grade, updated_at, deadline, accept_clock_from, reported_at)
    WHERE state IN ('reported', 'rectifying', 'awaiting_verification', 'recheck');
