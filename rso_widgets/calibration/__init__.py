"""Calibration: per-attempt feedback with error types, and the practice progress store."""
