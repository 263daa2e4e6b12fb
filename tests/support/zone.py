"""The district's zone the tests' settings have (DISTRICT_TZ's default)."""

from bot.settings import Settings

DISTRICT = Settings().tz
