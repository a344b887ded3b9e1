-- The closed loop: deadlines, rectification, 销号 and 回头看 on the hazard; the treatment plan of a
-- 重大 hazard; event data; and the outbox, the durable record of every notification that is due.

ALTER TABLE hazards ADD COLUMN deadline TEXT;
ALTER TABLE hazards ADD COLUMN original_deadline TEXT;
ALTER TABLE hazards ADD COLUMN deadline_set_at TEXT;
ALTER TABLE hazards ADD COLUMN responsible_person TEXT;
ALTER TABLE hazards ADD COLUMN rectification_submitter_id INTEGER;
ALTER TABLE hazards ADD COLUMN measures TEXT;
ALTER TABLE hazards ADD COLUMN rebounds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hazards ADD COLUMN closed_at TEXT;
ALTER TABLE hazards ADD COLUMN recheck_started_at TEXT;
ALTER TABLE hazards ADD COLUMN ext_requested_by INTEGER;
ALTER TABLE hazards ADD COLUMN ext_requested_at TEXT;
ALTER TABLE hazards ADD COLUMN ext_until TEXT;
ALTER TABLE hazards ADD COLUMN ext_reason TEXT;

ALTER TABLE events ADD COLUMN data TEXT;  -- JSON: what changed (grade, deadline from/to, units …)

CREATE TABLE hazard_plan_parts (
    hazard_id INTEGER NOT NULL REFERENCES hazards (id),
    part      TEXT    NOT NULL,
    text      TEXT    NOT NULL,
    filled_by INTEGER NOT NULL,
    filled_at TEXT    NOT NULL,
    PRIMARY KEY (hazard_id, part)
);

-- One row per notification: a transition notice, a reminder, a nudge, an escalation, a recheck task.
-- Written in the same transaction as the change that causes it; the sweep sends what is due.
CREATE TABLE outbox (
    key        TEXT    PRIMARY KEY,  -- deterministic: a replan never duplicates a row
    hazard_id  INTEGER NOT NULL REFERENCES hazards (id),
    kind       TEXT    NOT NULL,
    audiences  TEXT    NOT NULL,     -- comma-separated domain.lifecycle.Audience values
    payload    TEXT    NOT NULL,     -- JSON: what the message is about
    due_at     TEXT    NOT NULL,
    expires_at TEXT,
    status     TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'expired')),
    late       INTEGER NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL,
    done_at    TEXT
);
CREATE INDEX outbox_due ON outbox (due_at) WHERE status = 'pending';
CREATE INDEX outbox_by_hazard ON outbox (hazard_id, status);

-- Each recipient of an outbox row separately: a confirmed send is never repeated after a crash.
CREATE TABLE outbox_sends (
    key             TEXT    NOT NULL REFERENCES outbox (key),
    chat_id         INTEGER NOT NULL,
    topic_id        INTEGER NOT NULL DEFAULT 0,   -- 0: no forum topic
    reply_to        INTEGER,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    error           TEXT,
    message_id      INTEGER,
    sent_at         TEXT,
    PRIMARY KEY (key, chat_id, topic_id)
);
CREATE INDEX outbox_sends_pending ON outbox_sends (next_attempt_at) WHERE status = 'pending';
