"""What a renderer is: defined in :mod:`safeguard_qa.contract` (the one module of types
plugins implement or receive) and importable from here as before."""

from __future__ import annotations

from safeguard_qa.contract import (
    EvaluationRender,
    PartnershipRender,
    Renderer,
    RenderOptions,
    StreamRender,
    lazy,
)

__all__ = [
    "EvaluationRender",
    "PartnershipRender",
    "RenderOptions",
    "Renderer",
    "StreamRender",
    "lazy",
]
