"""Tests against third-party correctness corpora in ``../shared/corpus`` (skipped if absent)."""
