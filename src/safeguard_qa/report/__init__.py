"""Renderers: turn evaluations (and the partnership view) into tables, JSON, CSV and more."""

from safeguard_qa.report.base import Renderer, RenderOptions

__all__ = ["RenderOptions", "Renderer"]
