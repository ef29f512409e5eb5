"""The rules engine and roll-up strategies."""

from safeguard_qa.engine.engine import Engine, fingerprint
from safeguard_qa.engine.rollup import POINTS, RollupStrategy, band

__all__ = ["POINTS", "Engine", "RollupStrategy", "band", "fingerprint"]
