"""What the bot shows, built once for every messenger: cards, notices, keyboards as neutral models."""
