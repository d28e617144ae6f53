"""Evaluation engines: ``concrete`` (pairs, with explanations), ``allpairs`` (vectorized)."""
