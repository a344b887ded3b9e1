-- The admins hear once per hazard and unit that the unit has no group to deliver it to (issue 13 §1); the
-- version before told them again of every such hazard at every new filing.
ALTER TABLE hazard_threads ADD COLUMN unbound_told_at TEXT;  -- NULL: not yet told (the next delivery pass tells)
-- Threads already waiting for a group were told at their own filing by the version before: not told again.
UPDATE hazard_threads SET unbound_told_at = (SELECT h.reported_at FROM hazards h WHERE h.id = hazard_threads.hazard_id)
 WHERE delivered_at IS NULL;
