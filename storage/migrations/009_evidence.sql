-- Evidence where the decision is made (issue 12 §3–4).
-- A photo's perceptual hash (ImageHash's 64-bit phash, 16 hex digits) beside its SHA-256, so a rectification photo
-- reused from this or another hazard is found: NULL = not computed yet (rows from before this version are hashed when
-- first compared), '' = no usable hash (a featureless image, or its file is missing).
ALTER TABLE hazard_photos ADD COLUMN phash TEXT;
CREATE INDEX hazard_photos_by_sha256 ON hazard_photos (sha256);

-- Messages about a hazard that carry its action buttons (notices, reminders) and which actions those are, so that after
-- a transition the buttons that no longer apply are taken off them. The anchor card of each thread is not here: it is
-- edited whole.
CREATE TABLE hazard_button_messages (
    hazard_id  INTEGER NOT NULL REFERENCES hazards (id),
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    actions    TEXT    NOT NULL,  -- comma-separated domain.lifecycle.Action values, in the order shown
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX hazard_button_messages_by_hazard ON hazard_button_messages (hazard_id);
