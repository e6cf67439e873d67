"""Printed maps: basemap tiles from the configured tile server (cached), label placement and
the composed map image used by the lägesbild documents, the agenda and the minutes."""

from est.printmap.compose import NOTE_UNREACHABLE, PrintedMap, draw_map
from est.printmap.labels import Box, Placed, place_labels
from est.printmap.tiles import MAX_TILES, USER_AGENT, Mosaic, TileSource, choose_zoom, tiles_for

__all__ = ["MAX_TILES", "NOTE_UNREACHABLE", "USER_AGENT", "Box", "Mosaic", "Placed",
           "PrintedMap", "TileSource", "choose_zoom", "draw_map", "place_labels", "tiles_for"]
