"""The audit trail in Swedish words: one sentence per audit action, no JSON."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from est.audit_text import DESCRIBERS, describe, line, who
from est.models.audit import AUDIT_ACTIONS

LABELS = {"skadegorelse": "Skadegörelse", "klotter": "Klotter"}


def test_every_audit_action_has_words():
    assert set(DESCRIBERS) == set(AUDIT_ACTIONS)


def test_created():
    text = describe("created", None, {"status": "pending", "source": "public",
                                      "category": "klotter", "lon": 15.1, "lat": 59.0},
                    categories=LABELS)
    assert text == ("Rapporten skapad, källa allmänheten, kategori Klotter, status väntar på "
                    "granskning")


def test_created_by_import_names_the_file():
    text = describe("created", None, {"status": "reviewed", "source": "import",
                                      "category": "klotter"}, "Importerad från polis.csv", LABELS)
    assert text.startswith("Rapporten skapad, källa import, kategori Klotter, status granskad")
    assert text.endswith("(Importerad från polis.csv)")


def test_status_changed_with_note():
    text = describe("status_changed", {"status": "pending"}, {"status": "published"},
                    "ser rimlig ut")
    assert text == "Status ändrad från väntar på granskning till publicerad (ser rimlig ut)"


def test_category_edited_uses_labels():
    text = describe("category_edited", {"category": "klotter"}, {"category": "skadegorelse"},
                    categories=LABELS)
    assert text == "Kategori ändrad från Klotter till Skadegörelse"


def test_location_edited_says_how_far():
    # 0.001° of latitude is about 111 m.
    text = describe("location_edited", {"lat": 59.0, "lon": 15.0}, {"lat": 59.001, "lon": 15.0})
    assert text.startswith("Position flyttad 111 m, från 59,00000; 15,00000 till 59,00100; 15")
    assert "{" not in text


def test_retention_lists_what_was_erased_without_repeating_the_note():
    text = describe("retention", {"contact": True, "description": True, "internal_note": False},
                    {"contact": None, "description": "redacted", "internal_note": None},
                    "Kontaktuppgift, intern anteckning och fritext borttagna efter lagringstiden")
    assert text == "Lagringstiden passerad: kontaktuppgifter raderade, fritext borttagen"


def test_duplicate_marked():
    text = describe("duplicate_marked", {"status": "pending", "duplicate_of": None},
                    {"status": "rejected", "duplicate_of": "0f1e2d3c-aaaa-bbbb-cccc-000000000000"})
    assert text == ("Markerad som dubblett av rapport 0f1e2d3c; status ändrad från väntar på "
                    "granskning till avvisad")


def test_unknown_action_is_named_not_hidden():
    assert describe("something_new", {"a": 1}, None) == "Händelse something_new"


@pytest.mark.parametrize(("action", "name", "new", "expected"), [
    ("status_changed", "Anna", {"status": "published"}, "Anna"),
    ("created", None, {"source": "public"}, "allmänheten"),
    ("created", None, {"source": "import"}, "import"),
    ("retention", None, {}, "systemet"),
])
def test_who(action, name, new, expected):
    assert who(action, name, new) == expected


def test_line_in_local_time():
    at = datetime(2026, 11, 30, 13, 2, tzinfo=UTC)
    text = line(at, "Anna", "status_changed", {"status": "pending"}, {"status": "published"},
                tz=ZoneInfo("Europe/Stockholm"))
    assert text == ("2026-11-30 14:02 — Anna: Status ändrad från väntar på granskning till "
                    "publicerad")
