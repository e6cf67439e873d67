"""Lägesbild for a period and area: privacy-protected aggregates, charts and exports."""

from est.lagesbild.builder import DEFAULT_MIN_CELL, build_lagesbild, parse_period, resolve_area
from est.lagesbild.render import FORMATS, render

__all__ = ["DEFAULT_MIN_CELL", "FORMATS", "build_lagesbild", "parse_period", "render",
           "resolve_area"]
