-- Members, invites, group bindings, hazards with photos, their threads in unit groups,
-- and the append-only audit log. All instants are UTC ISO-8601 text.

CREATE TABLE members (
    telegram_id   INTEGER PRIMARY KEY,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('officer', 'member', 'lead', 'admin')),
    unit_id       TEXT,
    enterprise_id TEXT,
    joined_at     TEXT    NOT NULL,
    CHECK ((role = 'officer') = (enterprise_id IS NOT NULL))
);
CREATE INDEX members_by_unit ON members (unit_id, role);
CREATE INDEX members_by_enterprise ON members (enterprise_id);

CREATE TABLE invites (
    code          TEXT    PRIMARY KEY,
    role          TEXT    NOT NULL,
    unit_id       TEXT,
    enterprise_id TEXT,
    created_by    INTEGER NOT NULL,
    created_at    TEXT    NOT NULL,
    expires_at    TEXT    NOT NULL,
    used_by       INTEGER,
    used_at       TEXT
);

CREATE TABLE group_bindings (
    unit_id   TEXT    PRIMARY KEY,
    chat_id   INTEGER NOT NULL UNIQUE,
    title     TEXT    NOT NULL,
    is_forum  INTEGER NOT NULL,
    bound_by  INTEGER NOT NULL,
    bound_at  TEXT    NOT NULL
);

CREATE TABLE hazard_numbers (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE hazards (
    id            INTEGER PRIMARY KEY,
    code          TEXT    NOT NULL UNIQUE,
    reporter_id   INTEGER NOT NULL REFERENCES members (telegram_id),
    enterprise_id TEXT    NOT NULL,
    township_id   TEXT    NOT NULL,
    category_id   TEXT    NOT NULL,
    department_id TEXT    NOT NULL,
    grade         TEXT    NOT NULL CHECK (grade IN ('general', 'major')),
    state         TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    place         TEXT    NOT NULL,
    latitude      REAL,
    longitude     REAL,
    reported_at   TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    -- the submit that filed it: a redelivered or double-tapped 提交 files it once
    draft_key     TEXT    NOT NULL UNIQUE
);
CREATE INDEX hazards_by_enterprise ON hazards (enterprise_id, reported_at);
CREATE INDEX hazards_by_township ON hazards (township_id, reported_at);
CREATE INDEX hazards_by_department ON hazards (department_id, reported_at);
CREATE INDEX hazards_by_reported ON hazards (reported_at);

CREATE TABLE hazard_photos (
    id             INTEGER PRIMARY KEY,
    hazard_id      INTEGER NOT NULL REFERENCES hazards (id),
    stage          TEXT    NOT NULL DEFAULT 'report',
    position       INTEGER NOT NULL,
    file_id        TEXT    NOT NULL,
    file_unique_id TEXT    NOT NULL,
    sha256         TEXT    NOT NULL,
    size           INTEGER NOT NULL,
    media_path     TEXT    NOT NULL,
    UNIQUE (hazard_id, stage, position)
);

-- One row per responsible unit: where the hazard's thread lives in that unit's group.
CREATE TABLE hazard_threads (
    hazard_id         INTEGER NOT NULL REFERENCES hazards (id),
    unit_id           TEXT    NOT NULL,
    role              TEXT    NOT NULL CHECK (role IN ('department', 'township')),
    chat_id           INTEGER,
    topic_id          INTEGER,   -- message_thread_id of the forum topic, in groups with topics
    anchor_message_id INTEGER,   -- the report card, which later messages reply to
    delivered_at      TEXT,      -- NULL: not yet delivered (no group bound, or a send failed)
    last_error        TEXT,
    PRIMARY KEY (hazard_id, unit_id)
);
CREATE INDEX hazard_threads_pending ON hazard_threads (unit_id) WHERE delivered_at IS NULL;

-- Append-only audit log: who, when, from what, to what, why.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    hazard_id   INTEGER NOT NULL REFERENCES hazards (id),
    at          TEXT    NOT NULL,
    actor_id    INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    from_state  TEXT,
    to_state    TEXT    NOT NULL,
    reason      TEXT,
    update_id   INTEGER
);
CREATE INDEX events_by_hazard ON events (hazard_id, id);
CREATE TRIGGER events_are_append_only_u BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_are_append_only_d BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
