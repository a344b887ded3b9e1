-- Counting a period's 销号 (issue 16): each closed round's length, worked out once as its verify_pass is counted,
-- so that /stats adds them up in SQL (SUM) instead of reading every round of the month to work them out: exact
-- microseconds from the round's start to 销号 (SQLite's own date functions round fractions to milliseconds, so
-- the whole seconds come from the first 19 characters and the microseconds from characters 21-26).
ALTER TABLE event_facts ADD COLUMN round_micros INTEGER;  -- verify_pass closing a round: its length; else NULL

CREATE TRIGGER event_facts_round AFTER INSERT ON event_facts
WHEN NEW.round_started IS NOT NULL
BEGIN
    UPDATE event_facts SET round_micros =
        (CAST(strftime('%s', substr(NEW.at, 1, 19)) AS INTEGER)
         - CAST(strftime('%s', substr(NEW.round_started, 1, 19)) AS INTEGER)) * 1000000
        + CAST(substr(NEW.at, 21, 6) AS INTEGER) - CAST(substr(NEW.round_started, 21, 6) AS INTEGER)
    WHERE action = NEW.action AND at = NEW.at AND event_id = NEW.event_id;
END;

-- the rounds counted before this version
UPDATE event_facts SET round_micros =
    (CAST(strftime('%s', substr(at, 1, 19)) AS INTEGER)
     - CAST(strftime('%s', substr(round_started, 1, 19)) AS INTEGER)) * 1000000
    + CAST(substr(at, 21, 6) AS INTEGER) - CAST(substr(round_started, 21, 6) AS INTEGER)
WHERE action = 'verify_pass' AND round_started IS NOT NULL;
