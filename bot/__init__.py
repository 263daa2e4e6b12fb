"""WBL Bot: conversations, rules and channels for a district's work-based learning."""
