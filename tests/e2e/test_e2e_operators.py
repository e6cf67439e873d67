"""Done-when of issue 15 in headless Chromium, with real mail from a loopback SMTP server:
a resident reports with a photo, gets the receipt e-mail, looks up the status and gets the
"publicerad" e-mail after a coordinator publishes (and sees the photo); an admin invites a
user who sets a password from the e-mailed link and signs in."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from PIL import Image

from est.demo import DEMO_CODE, DEMO_PLACES, load_demo
from est.services.reports import replace_places
from est.services.users import ensure_demo_accounts
from tests.e2e.waiting import sign_in, wait_for_js
from tests.integration.test_resident_mail import Inbox, free_port, text_of
from tests.servers import serve_app

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "blåsippor vid Sixtorp"


@pytest.fixture
def inbox() -> Iterator[tuple[str, Inbox]]:
    """A real SMTP server on loopback; yields (EST_SMTP_URL, inbox)."""
    from aiosmtpd.controller import Controller

    box = Inbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}?from=est@hallsberg.example", box
    finally:
        controller.stop()


@pytest.fixture
def mail_server(e2e_database_url, e2e_session, inbox, tmp_path, monkeypatch) -> Iterator[str]:
    """The app with e-mail on, served on loopback, over the demo data."""
    from web import create_app

    monkeypatch.setenv("EST_PHOTO_DIR", str(tmp_path / "photos"))
    load_demo(e2e_session)
    replace_places(e2e_session, DEMO_CODE, DEMO_PLACES)
    ensure_demo_accounts(e2e_session)
    app = create_app({"SECRET_KEY": "e2e-secret", "DATABASE_URL": e2e_database_url,
                      "RATELIMIT_ENABLED": False, "EST_SMTP_URL": inbox[0],
                      "EST_TILE_URL": "http://localhost:9/tiles/{z}/{x}/{y}.png"})
    with serve_app(app) as base:
        yield base


def wait_for_mail(page, box: Inbox, count: int) -> None:
    for _ in range(200):
        if len(box.messages) >= count:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"expected {count} messages, got {len(box.messages)}")


def link(message, base: str, path: str) -> str:
    match = re.search(rf"{re.escape(base)}/{path}\S+", text_of(message))
    assert match, text_of(message)
    return match.group(0)


def phone_photo() -> bytes:
    """A JPEG as a phone writes it: with EXIF and GPS coordinates."""
    image = Image.new("RGB", (120, 90), (40, 120, 200))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[2], gps[4] = (59.0, 3.0, 54.0), (15.0, 6.0, 44.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_resident_report_receipt_status_and_published_mail(page, mail_server, inbox,
                                                           e2e_session):
    base, box = mail_server, inbox[1]
    page.goto(base + "/rapportera")
    page.select_option("#category", "klotter")
    page.select_option("#place", index=1)
    page.fill("#description", "Klotter på muren vid torget")
    page.fill("#contact", "boende@example.se")
    page.set_input_files("#photo", files=[{"name": "IMG_0042.jpg", "mimeType": "image/jpeg",
                                           "buffer": phone_photo()}])
    page.click("#submit-report")
    page.wait_for_url("**/rapportera/tack/EST-*")
    ref = page.text_content("#reference").strip()

    wait_for_mail(page, box, 1)
    receipt = box.messages[0]
    assert receipt["To"] == "boende@example.se"
    assert receipt["Subject"] == f"Vi har tagit emot din rapport {ref}"
    # the resident follows the status link in the mail
    page.goto(link(receipt, base, "rapportera/status"))
    assert "Mottagen" in page.text_content("main")

    sign_in(page, base)
    page.goto(base + "/moderering/")
    page.click(f"text={ref}")
    page.wait_for_selector("#publish")
    # the photo is there for the coordinator, loaded, without its EXIF
    photo = page.locator(".report-photos img").first
    photo.wait_for()
    wait_for_js(page, "document.querySelector('.report-photos img').naturalWidth === 120")
    stored = page.request.get(base + photo.get_attribute("src"))
    assert stored.status == 200 and b"Exif" not in stored.body()
    page.click("#publish")
    page.wait_for_url("**/moderering/")

    wait_for_mail(page, box, 2)
    published = box.messages[1]
    assert published["Subject"] == f"Din rapport {ref} är publicerad"
    page.goto(link(published, base, "rapportera/status"))
    assert "Publicerad" in page.text_content("main")


def test_admin_invites_a_user_who_sets_a_password_and_signs_in(page, mail_server, inbox,
                                                             browser):
    base, box = mail_server, inbox[1]
    sign_in(page, base, "admin@hallsberg.example")
    page.goto(base + "/admin/konton")
    page.fill("#f-email", "ny.samordnare@hallsberg.example")
    page.fill("#f-name", "Ny Samordnare")
    page.select_option("#f-role", "coordinator")
    page.select_option("#f-organisation", label="Hallsbergs kommun")
    page.click("text=Skicka inbjudan")
    page.wait_for_selector("text=En länk har skickats till ny.samordnare@hallsberg.example")

    wait_for_mail(page, box, 1)
    invitation = box.messages[0]
    assert invitation["To"] == "ny.samordnare@hallsberg.example"
    url = link(invitation, base, "konto/aktivera/")

    invitee = browser.new_context().new_page()
    invitee.goto(url)
    invitee.fill("#f-password", NEW_PASSWORD)
    invitee.fill("#f-repeat", NEW_PASSWORD)
    invitee.click("text=Spara lösenordet")
    invitee.wait_for_url("**/moderering/")
    assert "Ny Samordnare" in invitee.text_content("header")
    invitee.click("text=Logga ut")
    invitee.wait_for_load_state("load")

    # signs in again with the new password; the link is used up
    invitee.goto(base + "/logga-in")
    invitee.fill("#email", "ny.samordnare@hallsberg.example")
    invitee.fill("#password", NEW_PASSWORD)
    invitee.click("form.narrow-form button[type=submit]")
    invitee.wait_for_url("**/moderering/")
    response = invitee.goto(url)
    assert response is not None and response.status == 404
    invitee.context.close()
