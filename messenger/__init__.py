"""The messenger port and its implementations (Telegram, Feishu)."""
