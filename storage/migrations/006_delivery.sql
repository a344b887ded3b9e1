-- Every report reaches its units, or somebody is told: the kind of each stored image (Telegram refuses a
-- document's file_id to sendPhoto), and thread delivery retried by the sweep with the outbox's backoff.

-- 'photo' or 'document' (an image sent as a file): every re-send picks the send method by it.
ALTER TABLE hazard_photos ADD COLUMN kind TEXT NOT NULL DEFAULT 'photo' CHECK (kind IN ('photo', 'document'));
-- Images filed before the kind was kept: Telegram's file_id opens with its type, and a document's (type 5)
-- reads 'BQ' in the id's base64; a photo's (type 2) 'Ag'. Those are the only two the bot ever stored.
UPDATE hazard_photos SET kind = 'document' WHERE file_id LIKE 'BQ%';

ALTER TABLE hazard_threads ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;  -- failed deliveries so far
ALTER TABLE hazard_threads ADD COLUMN next_attempt_at TEXT;  -- NULL: at the next sweep
ALTER TABLE hazard_threads ADD COLUMN failed_at TEXT;        -- given up (the admins were told); a new /bind resets
-- What the reporter was last told of this unit ('delivered', 'failed', 'unbound'): each outcome is told once.
ALTER TABLE hazard_threads ADD COLUMN reporter_told TEXT;
UPDATE hazard_threads SET reporter_told = 'delivered' WHERE delivered_at IS NOT NULL;
