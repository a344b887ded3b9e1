-- Issue 15: the ledger's people, chats and messages are integers (members.user_id, groups.chat_id, threads, outbox
-- recipients, message ids), as Telegram gives them. A second messenger names them with strings (Feishu: open_id ou_…,
-- chat_id oc_…, message_id om_…); this table pairs each (messenger, kind, external id) with the integer the ledger
-- keeps for it. Telegram's ids are their own integers and need no row here: existing data is carried over unchanged.
-- Integers given out here: n + 10^12 for users and messages, -(n + 10^12) for chats (a chat is negative, as a Telegram
-- group's id is), so that they never meet a Telegram id of the same kind.
CREATE TABLE addresses (
    n           INTEGER PRIMARY KEY AUTOINCREMENT,
    messenger   TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('user', 'chat', 'message')),
    external_id TEXT    NOT NULL,
    local_id    INTEGER NOT NULL UNIQUE,
    card        TEXT,  -- a message's card as the bot last showed it (Feishu replaces a card whole: new buttons need it)
    UNIQUE (messenger, kind, external_id)
);
