"""Pure instrument rules (no widgets, no I/O beyond reading ruleset data files)."""
