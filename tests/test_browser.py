"""A specialist and a lead work a review in a real browser (Debian's Chromium via Playwright)."""

from __future__ import annotations

import uuid

from playwright.async_api import Browser, expect

from review.models import ReviewStatus
from tests.conftest import SCREENSHOTS, review_request, sign_in
from tests.review_steps import wait_for_status
from webapp.services import WebServices


async def test_specialist_decides_in_the_browser_and_the_lead_sees_the_second_review(
    web_url: str, web_services: WebServices, browser: Browser
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # In Chicago, where a deactivation needs no hearing first (tests/test_hearing_browser.py).
    request = review_request(
        category="fraud", severity="high", account={"id": "drv_browser", "market": "chicago"}
    )
    started = await web_services.reviews.start(request)
    await wait_for_status(web_services.reviews, started.review_id, ReviewStatus.AWAITING_DECISION)
    page = await browser.new_page(viewport={"width": 1400, "height": 1000})

    # Ana works in Spanish (her profile); her queue lists the review.
    await sign_in(page, web_url, "ana", "/queue")
    row = page.locator(f"tr[data-review='{started.review_id}']")
    for _ in range(50):  # visibility is eventually consistent
        if await row.count():
            break
        await page.wait_for_timeout(100)
        await page.reload()
    await expect(row).to_be_visible()
    await page.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)

    # Claim from the list; the review page shows evidence and the recommendation.
    await row.get_by_role("button").click()
    await page.wait_for_url(f"{web_url}/reviews/{started.review_id}")
    await expect(page.locator("#evidence details")).to_have_count(5)
    await expect(page.locator("#recommendation")).to_contain_text("fraud.high.priors")

    # The preview is the exact message the driver will get, in their locale (es-MX).
    preview = page.locator("#preview article[data-kind='outcome_notice'] h4")
    await expect(preview).to_have_text("Tu cuenta fue desactivada")
    await page.screenshot(path=str(SCREENSHOTS / "review.png"), full_page=True)

    # An invalid decision (deviating without justification) is refused with the reason.
    await page.select_option("#action", "warning")
    await expect(preview).to_have_text("Una advertencia sobre tu cuenta")
    await page.fill("#rationale", "Fare logs show repeated route inflation.")
    await page.click("#submit-decision")
    await expect(page.locator("#form-error")).to_contain_text("necesita una justificación")
    state = await web_services.reviews.state(started.review_id)
    assert state.decision is None

    # The valid one follows the matrix: permanent deactivation, so it needs a second review.
    await page.select_option("#action", "permanent_deactivation")
    await page.fill("#rationale", "Fare logs show repeated route inflation.")
    await page.click("#submit-decision")
    await expect(page.locator("#decision")).to_contain_text("Ana Ruiz")

    # Luis, a lead, finds it in the leads' queue.
    lead = await browser.new_page(viewport={"width": 1400, "height": 900})
    await sign_in(lead, web_url, "luis", "/leads")
    lead_row = lead.locator(f"tr[data-review='{started.review_id}']")
    for _ in range(50):
        if await lead_row.count():
            break
        await lead.wait_for_timeout(100)
        await lead.reload()
    await expect(lead_row).to_be_visible()
    await lead.screenshot(path=str(SCREENSHOTS / "leads_queue.png"), full_page=True)

    # Luis approves; once closed, the review offers the case report, which reads in print form.
    await lead.goto(f"{web_url}/reviews/{started.review_id}")
    await lead.fill("#second-review-comment", "Route logs confirm it.")
    await lead.click("#approve")
    await wait_for_status(web_services.reviews, started.review_id, ReviewStatus.CLOSED)
    await lead.goto(f"{web_url}/reviews/{started.review_id}")
    async with lead.expect_popup() as opened:
        await lead.click("#open-report")
    report = await opened.value
    # In luis's language, as the rest of his pages.
    await expect(report.locator("h1")).to_have_text("Informe del caso")
    await expect(report.locator("body")).to_contain_text("Exposición de motivos")
    await expect(report.locator("body")).to_contain_text("Fare logs show repeated route inflation.")
    await report.screenshot(path=str(SCREENSHOTS / "case_report.png"), full_page=True)

    # Everyone who looked at the review is in the access log the lead can read.
    await lead.click("#who-viewed")
    await expect(lead.locator("#access-log")).to_contain_text("ana")
    await expect(lead.locator("#access-log")).to_contain_text("luis")
    await lead.screenshot(path=str(SCREENSHOTS / "access_log.png"), full_page=True)


LINES = """(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set([...range.getClientRects()].map((r) => Math.round(r.bottom))).size;
}"""
"""How many lines an element's text takes on screen."""


async def test_queue_values_stay_whole_on_their_line_at_1400_px(
    web_url: str, web_services: WebServices, browser: Browser
) -> None:
    request = review_request(
        incident_id=f"INC-DEMO-{uuid.uuid4().hex[:6]}-outage-telematics",
        severity="low",  # the standard tier: "Estándar (72 h)"
    )
    started = await web_services.reviews.start(request)
    await wait_for_status(web_services.reviews, started.review_id, ReviewStatus.AWAITING_DECISION)
    page = await browser.new_page(viewport={"width": 1400, "height": 900})

    await sign_in(page, web_url, "ana", "/queue")  # es-MX
    row = page.locator(f"tr[data-review='{started.review_id}']")
    for _ in range(50):  # visibility is eventually consistent
        if await row.count():
            break
        await page.wait_for_timeout(100)
        await page.reload()

    assert await row.locator("td", has_text="Estándar (72 h)").evaluate(LINES) == 1
    assert await row.get_by_role("link", name=started.review_id).evaluate(LINES) == 1
    assert await page.locator("th", has_text="Asignada a").evaluate(LINES) == 1


async def test_the_queue_filters_fit_one_line_at_1400_px(web_url: str, browser: Browser) -> None:
    page = await browser.new_page(viewport={"width": 1400, "height": 900})

    await sign_in(page, web_url, "ana", "/queue")  # es-MX, the longer words

    first = await page.locator("form.filters label").first.bounding_box()
    button = await page.locator("form.filters button").bounding_box()
    assert first is not None and button is not None
    top, bottom = first["y"], first["y"] + first["height"]
    assert top <= button["y"] and button["y"] + button["height"] <= bottom + 1


async def test_signing_in_with_nothing_typed_is_told_in_the_pages_language_not_the_browsers(
    web_url: str, browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(f"{web_url}/sign-in")
    await page.click("#sign-in-language button")  # to Spanish
    await expect(page.locator("h1")).to_have_text("Iniciar sesión")

    await page.click("form[action='/sign-in'] button[type=submit]")

    await expect(page.locator("#error-username")).to_have_text("Escribe tu usuario.")


async def test_working_on_the_review_page_keeps_extending_the_claim(
    web_url: str, web_services: WebServices, browser: Browser
) -> None:
    web_services.settings.lease_ping_seconds = 1  # as DR_WEB_LEASE_PING_SECONDS=1 would
    started = await web_services.reviews.start(review_request())
    await wait_for_status(web_services.reviews, started.review_id, ReviewStatus.AWAITING_DECISION)
    page = await browser.new_page(viewport={"width": 1400, "height": 1000})
    await sign_in(page, web_url, "ana", "/queue")
    await page.click("#claim-next")
    await page.wait_for_url(f"{web_url}/reviews/{started.review_id}")
    await expect(page.locator("#done")).to_have_text("Tomaste esta revisión.")
    first = (await web_services.reviews.state(started.review_id)).lease_until
    shown = await page.locator("#lease-until time").get_attribute("datetime")

    # Ana writes her rationale: the page extends the claim while she works.
    await page.fill("textarea[name=rationale]", "Revisando la telemetría del viaje.")
    await page.wait_for_timeout(2500)

    later = (await web_services.reviews.state(started.review_id)).lease_until
    assert first is not None and later is not None and later > first
    await expect(page.locator("#lease-until time")).not_to_have_attribute("datetime", shown or "")
    await page.close()
