"""The request and response models of /api/v1: the validation and the OpenAPI schemas.

Pydantic v2 models, registered through :data:`web.views.openapi.spec`. A request that does
not fit them is a 400 ``application/problem+json`` naming each failing field; the report
service's own rules (a point inside the municipality, a time within bounds, an active
category) run after them and answer the same way.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator

NO_NUL = r"^[^\x00]*$"
MAX_ROWS = 5000
MAX_BATCH = 1000

Lon = Annotated[float, Field(ge=-180, le=180, strict=True,
                             description="Longitude, WGS84 degrees")]
Lat = Annotated[float, Field(ge=-90, le=90, strict=True, description="Latitude, WGS84 degrees")]
Number = Annotated[float, Field(strict=True)]
Text = Annotated[str, Field(max_length=2000, pattern=NO_NUL)]


# -- errors -----------------------------------------------------------------------------------

class FieldError(BaseModel):
    field: str = Field(description="The failing field: a query parameter, a header or the "
                                   "body member (properties.X as X, the point as geometry)")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details with the failing fields (``errors``).

    ``error``, ``message`` and ``fields`` repeat the same for clients of API 1.0.
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", description="about:blank (the status code says it)")
    title: str
    status: int
    detail: str = ""
    instance: str | None = None
    errors: list[FieldError] = Field(default_factory=list)
    error: str = Field(description="Code of API 1.0, e.g. validation_error")
    message: str = ""
    fields: dict[str, str] | None = None


# -- GeoJSON out ------------------------------------------------------------------------------

class Geometry(BaseModel):
    type: str
    coordinates: Any


class Feature(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"]
    id: str | int | None = None
    geometry: Geometry | None
    properties: dict[str, Any] | None


class Link(BaseModel):
    rel: str
    href: str
    type: str | None = None


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection (RFC 7946) with this API's foreign members."""

    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"]
    features: list[Feature]
    links: list[Link] | None = Field(None, description="`next`: the following page")


# -- queries ----------------------------------------------------------------------------------

_DATE = ("A local date (2026-11-01) or an ISO 8601 date-time; a date-only `to` includes "
         "that day")


class PeriodQuery(BaseModel):
    from_: str | None = Field(None, alias="from", max_length=40, pattern=NO_NUL,
                              description=_DATE + "; default 30 days ago")
    to: str | None = Field(None, max_length=40, pattern=NO_NUL,
                           description=_DATE + "; exclusive, default now")


class ReportsQuery(PeriodQuery):
    category: str | None = Field(None, max_length=2000, pattern=NO_NUL,
                                 description="Category codes, comma-separated")
    kind: Literal["incident", "otrygghet"] | None = None
    bbox: str | None = Field(None, max_length=200, pattern=NO_NUL,
                             description="min_lon,min_lat,max_lon,max_lat (WGS84)")
    limit: int | None = Field(None, ge=1, le=MAX_ROWS,
                              description=f"Features per page (1–{MAX_ROWS}, default "
                                          f"{MAX_ROWS})")
    cursor: str | None = Field(None, max_length=200, pattern=NO_NUL,
                               description="Opaque: the `cursor` of a `next` link")
    updated_since: str | None = Field(None, max_length=40, pattern=NO_NUL,
                                      description="Only reports created or changed (status, "
                                                  "place, category) at or after this ISO "
                                                  "8601 date-time")


MAX_EXPORT = 2**31 - 1


class ExportQuery(ReportsQuery):
    limit: int | None = Field(None, ge=1, le=MAX_EXPORT,
                              description="At most this many reports (default: all that "
                                          "match)")


class WeekQuery(BaseModel):
    week: str | None = Field(None, max_length=8, pattern=r"^20\d\d-W(0[1-9]|[1-4]\d|5[0-3])$",
                             description="ISO week such as 2026-W46; default last week")


MAX_HOTSPOT_PAGE = 500


class HotspotsQuery(WeekQuery):
    limit: int | None = Field(None, ge=1, le=MAX_HOTSPOT_PAGE,
                              description="hot spots per page (default 100)")
    cursor: str | None = Field(None, max_length=200, pattern=NO_NUL,
                               description="the opaque cursor of a next link, unchanged")


class IdempotencyHeaders(BaseModel):
    model_config = ConfigDict(extra="allow")

    idempotency_key: str | None = Field(
        None, alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[ -~]+$",
        description="1–255 printable ASCII characters. A repeated POST with the same key, "
                    "API key and body returns the first response and stores nothing new; "
                    "the same key with another body gives 422. Single Features only.")


# -- report POST ------------------------------------------------------------------------------
# Numbers are strict: JSON types as the schema says (no `false` for a number, no "2" for an
# integer; lists stay lists for the tuples).

# GeoJSON foreign members: allowed where RFC 7946 has them, never with NUL bytes (the request
# guard refuses NUL anywhere in a body).
_MEMBER_NAMES = {"propertyNames": {"maxLength": 200, "pattern": NO_NUL}}
Scalar = Annotated[str, Field(max_length=2000, pattern=NO_NUL)] | Number | bool | None
BBox = Annotated[list[Number], Field(min_length=4, max_length=6)]
# ISO 8601 as the API reads it (calendar checks and the time bounds follow in the service).
DATE_TIME = (r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])([T ]([01]\d|2[0-3]):[0-5]\d"
             r"(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?$")


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["Point"]
    bbox: BBox | None = None
    coordinates: tuple[Lon, Lat] | tuple[Lon, Lat, Number] = Field(
        description="[longitude, latitude] (an altitude is ignored). The point must lie "
                    "inside a served municipality's outline.")


class ReportProperties(BaseModel):
    """The report's fields; other members (a client's own ticket number …) are ignored."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_MEMBER_NAMES)
    __pydantic_extra__: dict[str, Scalar] = Field(init=False)  # type: ignore[assignment]

    category: str = Field(min_length=1, max_length=64, pattern=NO_NUL,
                          description="An active category code (GET /open311/v2/services.json)")
    kind: Literal["incident", "otrygghet"] | None = Field(
        None, description="Default: the category's kind (must match it)")
    occurred_at: str | None = Field(None, max_length=40, pattern=DATE_TIME,
                                    description="ISO 8601 date-time (a date alone is its "
                                                "midnight; no offset: Swedish time), not in "
                                                "the future, not before the earliest date; "
                                                "default now")
    description: Text | None = None
    severity: int | None = Field(None, ge=1, le=3, description="1 low, 2 medium, 3 high")

    @field_validator("severity", mode="before")
    @classmethod
    def _json_integer(cls, value: Any) -> Any:
        """A JSON Schema integer: 2 and 2.0 are the same number; "2" and true are not."""
        if isinstance(value, bool | str):
            raise ValueError("Input should be a valid integer")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    @model_validator(mode="after")
    def _member_names(self) -> ReportProperties:
        """Enforce ``propertyNames`` of the document (pydantic does not check it)."""
        for name in self.model_extra or {}:
            if len(name) > 200 or "\x00" in name:
                raise ValueError("member names are at most 200 characters, without NUL")
        return self


class ReportFeature(BaseModel):
    """A GeoJSON Point Feature: one report."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["Feature"]
    id: Annotated[str, Field(max_length=200, pattern=NO_NUL)] | \
        Annotated[int, Field(strict=True)] | None = Field(
        None, description="The client's own id (ignored)")
    bbox: BBox | None = None
    geometry: Point
    properties: ReportProperties


class ReportBatch(BaseModel):
    """A FeatureCollection of 1–1,000 reports, stored all-or-nothing."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["FeatureCollection"]
    bbox: BBox | None = None
    features: list[ReportFeature] = Field(min_length=1, max_length=MAX_BATCH)


class ReportPost(RootModel[Annotated[ReportFeature | ReportBatch,
                                     Field(discriminator="type")]]):
    """One report (a Feature) or a batch (a FeatureCollection)."""


class Created(BaseModel):
    id: str = Field(description="The report's UUID")
    reference: str = Field(examples=["EST-1A2B3C4D"])
    status: str
    source: Literal["api"]


class CreatedBatch(BaseModel):
    type: Literal["FeatureCollection"]
    count: int
    reports: list[Created]


class CreatedOne(Created):
    reports: list[Created] = Field(description="The same report as a one-element list, so "
                                               "`reports/0/id` names the first stored "
                                               "report of any 201")


class CreatedAny(RootModel[CreatedOne | CreatedBatch]):
    """201: the stored report, or a batch's reports in the order sent."""


# -- webhooks ---------------------------------------------------------------------------------

class WebhookIn(BaseModel):
    organisation: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)] | \
        Annotated[int, Field(ge=1, le=2**31 - 1)] = Field(
            description="The organisation's name or id")
    url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://[^\x00\s]+$",
                     description="http(s) URL that receives the deliveries")


class WebhookOut(BaseModel):
    id: int
    organisation: str
    url: str
    created_at: str
    active: bool
    secret: str | None = Field(None, description="Shown once, when the hook is created: "
                                                 "the HMAC-SHA256 key of X-EST-Signature")


class WebhookList(BaseModel):
    webhooks: list[WebhookOut]
    links: list[Link] | None = None


class WebhookListQuery(BaseModel):
    limit: int | None = Field(None, ge=1, le=500)
    cursor: str | None = Field(None, max_length=200, pattern=NO_NUL)


class Deleted(BaseModel):
    id: int
    active: Literal[False]
