-- The 受理 clock (issue 12 §2): when the time limit for accepting a hazard started — filing, or a 移送 to
-- another department while it was still 已上报. Hazards filed before this version start from their filing;
-- the sweep plans their reminders (and, for those long unaccepted, the escalations) at its next run.
ALTER TABLE hazards ADD COLUMN accept_clock_from TEXT;
UPDATE hazards SET accept_clock_from = reported_at;
