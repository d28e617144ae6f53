"""Audit rules: one small module per rule, listed by a registry (see ``registry``)."""
