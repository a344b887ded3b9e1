-- What a user is in the middle of (a report draft, the answers to an action's questions) and where each
-- conversation stands, kept across restarts: python-telegram-bot's user_data and ConversationHandler states,
-- written by bot/persistence.py about once a second.
CREATE TABLE sessions (
    user_id    INTEGER PRIMARY KEY,
    data       BLOB    NOT NULL,  -- the user's user_data, pickled (only the bot's own objects are in it)
    updated_at TEXT    NOT NULL
);
CREATE TABLE conversations (
    name  TEXT NOT NULL,  -- the ConversationHandler's name: report, act
    key   TEXT NOT NULL,  -- its conversation key as JSON: [chat_id, user_id]
    state TEXT NOT NULL,  -- the state as JSON
    PRIMARY KEY (name, key)
);
