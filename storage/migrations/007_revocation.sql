-- Roles can be taken away (issue 13): a removed member keeps their row, which their reports and the ledger's names
-- refer to, but is no member any more; an invite can be revoked; both are written to an append-only log.
ALTER TABLE members ADD COLUMN removed_at TEXT;  -- NULL: a member
ALTER TABLE invites ADD COLUMN revoked_at TEXT;  -- NULL: usable until used or expired
ALTER TABLE invites ADD COLUMN revoked_by INTEGER;

CREATE TABLE membership_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT    NOT NULL,
    actor_id      INTEGER,  -- the admin who did it; NULL: the bot at start (an id no longer in HAZARD_ADMIN_IDS)
    action        TEXT    NOT NULL CHECK (action IN ('remove', 'revoke_invite', 'admin_unconfigured')),
    telegram_id   INTEGER,  -- whose membership ended (remove, admin_unconfigured)
    invite_code   TEXT,     -- which invite (revoke_invite)
    role          TEXT    NOT NULL,  -- the role they had, or the invite granted
    unit_id       TEXT,
    enterprise_id TEXT
);
CREATE TRIGGER membership_log_is_append_only_u BEFORE UPDATE ON membership_log
BEGIN SELECT RAISE(ABORT, 'the membership log is append-only'); END;
CREATE TRIGGER membership_log_is_append_only_d BEFORE DELETE ON membership_log
BEGIN SELECT RAISE(ABORT, 'the membership log is append-only'); END;
