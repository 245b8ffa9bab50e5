"""Folds accepted form versions into per-region rollups, exactly once."""
