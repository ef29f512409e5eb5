"""The partnership view (issue 5)."""

from __future__ import annotations

from safeguard_qa.models.base import Model


class PartnershipReport(Model):
    """To be completed."""
