"""The EST review: what the group looks at for one ISO week (or month) of one municipality.

``page`` builds the week (hot spots ranked by urgency and named, totals, matrix, map data),
``meeting`` the meeting record, decided actions and the agenda, ``actions`` the action
overview across weeks. Imports run downwards only: ``est.review`` uses ``est.services``,
``est.places`` and ``est.weeks``; nothing below imports it.
"""

from est.models.hotspots import CLASS_LABELS
from est.queries import shown_cells
from est.review.hotspots import HotspotRow
from est.review.meeting import (
    MeetingMeta,
    agenda,
    ensure_review,
    meeting_meta,
    participants,
    record_action,
    save_meeting,
)
from est.review.page import MAX_POINTS, ReviewPage, build_review, hotspot_centroid
from est.review.queries import Filters, districts, get_review, organisations
from est.weeks import WEEKDAYS_SV, Month, Period, Week

__all__ = ["CLASS_LABELS", "MAX_POINTS", "WEEKDAYS_SV", "Filters", "HotspotRow", "MeetingMeta",
           "Month", "Period",
           "ReviewPage", "Week", "agenda", "build_review", "districts", "ensure_review",
           "get_review", "hotspot_centroid", "meeting_meta", "organisations", "participants",
           "record_action", "save_meeting", "shown_cells"]
