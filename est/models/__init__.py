"""SQLAlchemy 2 + GeoAlchemy2 models; importing this package registers every table."""

from est.models.apikeys import ApiKey  # noqa: F401
from est.models.audit import AuditEvent, Place  # noqa: F401
from est.models.base import Base
from est.models.core import (
    REPORT_KINDS,
    REPORT_SOURCES,
    REPORT_STATUSES,
    ROLES,
    Area,
    Category,
    Organisation,
    Report,
    User,
    UserSession,
    report_reason,
)
from est.models.hotspots import HOTSPOT_CLASSES, Hotspot, HotspotRun, LineageName  # noqa: F401
from est.models.promises import Promise, PromiseIndicator  # noqa: F401
from est.models.review import ACTION_STATUSES, Action, Decision, Review  # noqa: F401

__all__ = [
    "REPORT_KINDS",
    "REPORT_SOURCES",
    "REPORT_STATUSES",
    "ROLES",
    "Area",
    "Base",
    "Category",
    "Organisation",
    "Report",
    "User",
    "UserSession",
    "report_reason",
]
