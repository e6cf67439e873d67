"""The English catalog covers every Swedish msgid and its compiled .mo is up to date."""

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "web" / "translations"


def test_english_catalog_is_complete_and_compiled():
    with open(TRANSLATIONS / "messages.pot", "rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    with open(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        po = {m.id: m.string for m in read_po(fh) if m.id}
    with open(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        mo = {m.id: m.string for m in read_mo(fh) if m.id}
    assert template <= set(po)
    assert not [msgid for msgid, text in po.items() if not text]
    assert mo == po, "run `pybabel compile -d web/translations` after editing messages.po"


def test_service_messages_are_in_the_catalog():
    from est.services.reports import MESSAGES, SEVERITIES

    with open(TRANSLATIONS / "messages.pot", "rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    assert set(MESSAGES.values()) | set(SEVERITIES.values()) <= template
