"""Domain operations on the database: what flows, the dashboard, the CLI and jobs call."""
