"""The closed sets of answers netverify gives, one enum each, with one spelling.

Every value is also what the JSON documents write (``docs/json-schema.md``).  The third
answer, neither yes nor no, is spelled ``undecided`` everywhere: a solver time limit, a
hop the manifests cannot tell, a choice cluster-wide policies leave to the
implementation.  Code compares members (``is Answer.NO``), never strings, so a new member
or a misspelling fails the type check instead of slipping through an ``if``.

This module imports nothing from netverify: the model, the spec loader, the CNI table and
the results all use it.
"""

from __future__ import annotations

import enum


class Answer(enum.Enum):
    """Yes, no, or neither: for a question over possible pods or a path from outside."""

    YES = "yes"
    NO = "no"
    UNDECIDED = "undecided"


class HopStatus(enum.Enum):
    """Whether traffic passes one step of an end-to-end path."""

    OK = "ok"
    BLOCKED = "blocked"
    UNDECIDED = "undecided"  # the manifests cannot tell (e.g. no controller pods)


class AssertionStatus(enum.Enum):
    """The outcome of one spec assertion."""

    PASS = "pass"
    FAIL = "fail"
    UNDECIDED = "undecided"  # the solver's time limit ran out
    # An object netverify does not evaluate could change a pair the assertion depends on.
    INCOMPLETE = "incomplete"


class SourceStatus(enum.Enum):
    """How many sources of a family their own egress (and cluster-wide policies) let through."""

    ALL = "all"
    SOME = "some"
    NONE = "none"
    UNDECIDED = "undecided"


class Change(enum.Enum):
    """Which way a change of the manifests turns a connection."""

    ALLOWED = "allowed"  # newly allowed
    DENIED = "denied"  # newly denied


class GroupBy(enum.Enum):
    """What a row of the matrix stands for."""

    POD = "pod"
    WORKLOAD = "workload"
    NAMESPACE = "namespace"


class Confidence(enum.Enum):
    """How sure the CNI detection is."""

    HIGH = "high"
    MEDIUM = "medium"
    NONE = "none"  # nothing recognised: the CNI is unknown


class Expect(enum.Enum):
    """What a spec assertion promises."""

    ALLOW = "allow"
    DENY = "deny"


class AssertionScope(enum.Enum):
    """Which sources a spec assertion ranges over."""

    EXISTING = "existing"  # the pods in the manifests
    ANY = "any"  # every pod that could exist


class Basis(enum.Enum):
    """Which answer a spec assertion judges (its ``answer:`` key)."""

    EFFECTIVE = "effective"  # what the cluster's CNI enforces
    POLICY = "policy"  # what the policies say

