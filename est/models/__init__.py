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
from est.models.inputs import (  # noqa: F401
    CrimeStatistic,
    Dialogue,
    DialoguePlace,
    DialogueQuote,
    DialogueTheme,
    DigitalWalk,
    KpiValue,
    Photo,
    PoliceEvent,
    Population,
    Survey,
    SurveyResult,
    Walk,
    WalkObservation,
    WalkProposal,
)
from est.models.plans import (  # noqa: F401
    ActionPlan,
    ActivityPattern,
    LagesbildVersion,
    PlanCause,
    PlanRow,
)
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


def _import_all_model_modules() -> None:
    """Import every module of this package, so a new ``est/models/<x>.py`` registers itself."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


_import_all_model_modules()
