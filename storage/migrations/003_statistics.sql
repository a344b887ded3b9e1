-- Counting (一周一统计、一月一排名): indexes for counting by period, the weekly self-checks
-- (每周自查自报), and the schedule: digests, rankings and self-check prompts planned ahead by the
-- sweep and sent once per recipient. All instants are UTC ISO-8601 text.

CREATE INDEX events_by_action ON events (action, at);
CREATE INDEX hazards_by_state ON hazards (state, deadline);
CREATE INDEX hazards_by_updated ON hazards (updated_at);

-- One self-check per enterprise and week: the hazards found (linked) or a 零报告.
CREATE TABLE selfchecks (
    enterprise_id TEXT    NOT NULL,
    week          TEXT    NOT NULL,  -- the week's Monday (local): 2026-11-23
    zero          INTEGER NOT NULL,  -- 1: 零报告, nothing found
    submitted_by  INTEGER NOT NULL,
    submitted_at  TEXT    NOT NULL,
    PRIMARY KEY (enterprise_id, week)
);
CREATE INDEX selfchecks_by_week ON selfchecks (week);

CREATE TABLE selfcheck_hazards (
    enterprise_id TEXT    NOT NULL,
    week          TEXT    NOT NULL,
    hazard_id     INTEGER NOT NULL REFERENCES hazards (id),
    PRIMARY KEY (enterprise_id, week, hazard_id),
    FOREIGN KEY (enterprise_id, week) REFERENCES selfchecks (enterprise_id, week)
);

-- One row per scheduled item (domain.schedule): the database, not the job queue, knows what is due.
CREATE TABLE schedule (
    key          TEXT    PRIMARY KEY,  -- digest:2026-W48:cgz, ranking:2026-11, selfcheck_prompt:2026-W48:e01 …
    kind         TEXT    NOT NULL,
    target       TEXT    NOT NULL,     -- unit or enterprise id, '' for the ranking
    period_kind  TEXT    NOT NULL,
    period_start TEXT    NOT NULL,     -- local dates, end exclusive
    period_end   TEXT    NOT NULL,
    due_at       TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sent', 'expired', 'skipped')),
    late         INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL,
    done_at      TEXT
);
CREATE INDEX schedule_due ON schedule (due_at) WHERE status = 'pending';

-- Each recipient and part (the text, the chart) separately: a confirmed send is never repeated.
CREATE TABLE schedule_sends (
    key             TEXT    NOT NULL REFERENCES schedule (key),
    chat_id         INTEGER NOT NULL,
    part            TEXT    NOT NULL CHECK (part IN ('text', 'chart')),
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    error           TEXT,
    message_id      INTEGER,
    sent_at         TEXT,
    PRIMARY KEY (key, chat_id, part)
);
CREATE INDEX schedule_sends_pending ON schedule_sends (key) WHERE status = 'pending';

-- How far ahead the schedule has been planned (name 'planned_until'): planning resumes there.
CREATE TABLE schedule_state (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
