"""Open311 GeoReport v2 XML: the spec's element names for every document and error list."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree as ET

# A list's element name -> the name of each item in it (the spec's plural/singular pairs).
ITEMS = {"services": "service", "service_requests": "request", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format", "errors": "error"}
# Characters XML 1.0 cannot hold: left out of every text node.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def document(root: str, value: Any) -> str:
    """Return ``value`` (a list of dicts or a dict) as an XML document with root ``root``."""
    element = ET.Element(root)
    _fill(element, root, value)
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            + ET.tostring(element, encoding="unicode"))


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, list | tuple):
        child = ITEMS.get(name, "item")
        for item in value:
            _fill(ET.SubElement(element, child), child, item)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("", str(value))
