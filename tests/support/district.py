"""The sample district loaded through the real importers (filled in by the import work)."""
