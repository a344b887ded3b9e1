-- The admins hear once per hazard and unit that the unit has no group to deliver it to (issue 13 §1); the
-- version before told them again of every such hazard at every new filing.
ALTER TABLE hazard_threads ADD COLUMN unbound_told_at TEXT;  -- NULL: not yet told (the next delivery pass tells)
-- Threads already waiting for a group were told at their own filing by the version before: not told again.
UPDATE hazard_threads SET unbound_told_at = (SELECT h.reported_at FROM hazards h WHERE h.id = hazard_threads.hazard_id)
 WHERE delivered_at IS NULL;

-- Notices to the admins (a give-up, a unit without a group, a flood wait) are kept until Telegram confirms them and
-- retried by the sweep with the one send policy: the report of a failure is not itself lost to a 429 or a restart.
CREATE TABLE admin_notices (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    text            TEXT    NOT NULL,  -- Telegram HTML, as it goes out
    created_at      TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,  -- failed attempts (a 429 is none)
    next_attempt_at TEXT,                        -- NULL: at once
    error           TEXT,
    sent_at         TEXT
);
CREATE INDEX admin_notices_pending ON admin_notices (id) WHERE status = 'pending';
