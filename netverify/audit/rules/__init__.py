"""Every rule module, imported explicitly in code order (a test compares with the files)."""

from netverify.audit.rules import (  # noqa: F401
    nv101_no_default_deny_ingress,
    nv102_policy_selects_nothing,
    nv110_egress_blocks_dns,
    nv501_service_without_endpoints,
)
