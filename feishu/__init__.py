"""Feishu's (飞书) inbound adapter: the long connection, and what its events ask of the use cases (as handlers/ is
Telegram's)."""
