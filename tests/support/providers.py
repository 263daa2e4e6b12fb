"""Local servers that speak the Twilio REST and Telegram Bot API wire formats (filled in by
the channels work)."""
