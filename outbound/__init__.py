"""What the bot sends on its own initiative: deliveries to the units' groups, notices to admins."""
