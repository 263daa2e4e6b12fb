"""The conversation of mentor sessions: mentors (`mentor`), toggles (Telegram), interns (`intern`)."""
