"""QA audits and the leads' dashboard in Chromium, as people use them: QA sends a score form
as it stands (nothing ticked, nothing typed) and is told what is missing, then finds a wrongful
deactivation, which opens a correction; the specialist reads the feedback and marks it read;
a lead reads the dashboard, asks for a period that ends before it starts, and exports CSV.
Screenshots go to var/screenshots/."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import httpx
from playwright.async_api import Browser, expect

from tests.conftest import SCREENSHOTS, sign_in
from tests.test_appeals_api import closed_deactivation
from tests.test_quality_api import EVERY_ONE
from webapp.services import WebServices


async def test_qa_scores_a_decision_and_its_specialist_reads_the_feedback(
    api: httpx.AsyncClient, web_services: WebServices, web_url: str, browser: Browser
) -> None:
    web_services.qa_sampling = EVERY_ONE
    review_id = await closed_deactivation(api, "drv_qa_web", "en")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    sofia = await (await browser.new_context()).new_page()
    await sign_in(sofia, web_url, "sofia", "/qa")
    audit = sofia.locator(f"section[data-review='{review_id}']")
    await expect(sofia.locator("#sampling")).to_contain_text("1 of the 1 closed reviews drawn so far were sampled")
    await expect(audit).to_contain_text("Decided: Permanent deactivation, by Ana Ruiz.")
    await sofia.screenshot(path=str(SCREENSHOTS / "qa_queue.png"), full_page=True)

    await audit.locator("button[type=submit]").click()  # as it stands: nothing ticked or typed
    await expect(sofia.locator("#error")).to_be_visible()
    audit = sofia.locator(f"section[data-review='{review_id}']")
    await expect(audit.locator("[data-field=error_type]")).to_contain_text(
        "Error found: a check failed, so choose the kind of error"
    )
    await expect(audit.locator("[data-field=comment]")).to_contain_text(
        "Comment: this field is required"
    )

    for check in ("guidelines_correct", "rationale_adequate", "message_appropriate"):
        await audit.locator(f"input[name={check}]").check()
    await audit.locator("select[name=error_type]").select_option("false_positive")
    await audit.locator("textarea[name=comment]").fill(
        "The fraud signal was a known false alarm that week; nothing else supports it."
    )
    await audit.locator("button[type=submit]").click()
    await expect(sofia.locator("#done")).to_contain_text("Score saved.")
    await expect(sofia.locator("#done")).to_contain_text("a correction was opened")
    await expect(sofia.locator(f"section[data-review='{review_id}']")).to_have_count(0)
    await sofia.screenshot(path=str(SCREENSHOTS / "qa_scored.png"), full_page=True)

    ana = await (await browser.new_context()).new_page()
    await sign_in(ana, web_url, "ana", "/feedback")
    feedback = ana.locator(f"section[data-review='{review_id}']")
    await expect(feedback).to_contain_text("Falso positivo")
    await expect(feedback).to_contain_text("known false alarm")
    await feedback.locator("button[type=submit]").click()
    await expect(ana.locator("#done")).to_contain_text("Marcada como leída.")
    await expect(ana.locator(f"section[data-review='{review_id}'] .acknowledged")).to_contain_text(
        "Leída por Ana Ruiz"
    )
    await ana.screenshot(path=str(SCREENSHOTS / "qa_feedback.png"), full_page=True)


async def test_a_lead_reads_the_dashboard_and_exports_it(
    api: httpx.AsyncClient, web_url: str, browser: Browser
) -> None:
    await closed_deactivation(api, "drv_dashboard_web", "en")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    elena = await (await browser.new_context()).new_page()
    await sign_in(elena, web_url, "elena", "/dashboard")
    await expect(elena.locator("[data-kpi=closed_reviews] strong")).to_have_text("1")
    await expect(elena.locator("#chart-sla svg")).to_be_visible()
    await expect(elena.locator("#chart-open svg")).to_be_visible()
    await expect(elena.locator("#rules tbody tr")).to_have_count(1)
    await expect(elena.locator("#reviewers tr[data-reviewer=ana]")).to_contain_text("Ana Ruiz")
    await elena.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    async with elena.expect_download() as download_info:
        await elena.click("#csv-export")
    download = await download_info.value
    saved = Path(await download.path())
    rows = list(csv.DictReader(io.StringIO(await asyncio.to_thread(saved.read_text))))
    assert next(r for r in rows if r["metric"] == "closed_reviews")["count"] == "1"

    await elena.fill("input[name=start]", "2026-12-01")
    await elena.fill("input[name=end]", "2026-11-01")
    await elena.click("#dashboard-filters button[type=submit]")
    await expect(elena.locator("[data-field=end]")).to_contain_text("To: must be after from")
    await expect(elena.locator("#kpis")).to_have_count(0)


async def test_a_lead_makes_a_calibration_round_and_a_specialist_answers_it_blind(
    api: httpx.AsyncClient, web_url: str, browser: Browser
) -> None:
    first = await closed_deactivation(api, "drv_cal_web_1", "en")
    second = await closed_deactivation(api, "drv_cal_web_2", "en")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    luis = await (await browser.new_context()).new_page()
    await sign_in(luis, web_url, "luis", "/calibration")
    await luis.click("#make-round")  # as it stands: no name, nothing ticked
    await expect(luis.locator("[data-field=name]")).to_contain_text("Nombre")
    await expect(luis.locator("[data-field=cases]")).to_be_visible()
    await luis.fill("input[name=name]", "Fraude, diciembre")
    for review_id in (first, second):
        await luis.check(f"tr[data-review='{review_id}'] input[name=cases]")
    await luis.select_option(f"select[name=golden_{second}]", "warning")
    await luis.click("#make-round")
    await expect(luis.locator("#done")).to_contain_text("Ronda creada")
    round_url = luis.url

    marco = await (await browser.new_context()).new_page()
    await sign_in(marco, web_url, "marco", round_url.removeprefix(web_url))
    case = marco.locator("section.blind-case").first
    await expect(case).to_contain_text("Fraude")
    await expect(case).not_to_contain_text("Ana Ruiz")  # who decided stays hidden
    await case.locator("button[type=submit]").click()  # as it stands: no action chosen
    await expect(marco.locator("#error")).to_contain_text("Medida")
    case = marco.locator("section.blind-case").first
    await case.locator("select[name=action]").select_option("permanent_deactivation")
    await case.locator("button[type=submit]").click()
    await expect(marco.locator("#done")).to_contain_text("Respuesta guardada.")
    await expect(marco.locator("section.blind-case").first.locator(".answered")).to_contain_text(
        "Desactivación permanente"
    )
    assert first not in await marco.content()  # the case, not the review it was
    await marco.screenshot(path=str(SCREENSHOTS / "calibration_blind.png"), full_page=True)

    await luis.reload()
    await expect(luis.locator("tr[data-person=marco]")).to_contain_text("1 / 2")
    await luis.screenshot(path=str(SCREENSHOTS / "calibration_report.png"), full_page=True)


async def test_a_lead_opens_a_markets_transparency_report_from_the_dashboard(
    api: httpx.AsyncClient, web_url: str, browser: Browser
) -> None:
    await closed_deactivation(api, "drv_transparency_web", "en")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    luis = await (await browser.new_context()).new_page()
    await sign_in(luis, web_url, "luis", "/dashboard")
    await luis.select_option("#transparency-form select[name=market]", "")
    await luis.click("#transparency-form button[type=submit]")  # no market chosen
    await expect(luis.locator("main")).to_contain_text("Mercado: elige uno de los mercados")

    await luis.go_back()
    await luis.select_option("#transparency-form select[name=market]", "chicago")
    await luis.fill("#transparency-form input[name=month]", datetime.now(UTC).strftime("%Y-%m"))
    await luis.click("#transparency-form button[type=submit]")
    await expect(luis.locator("h1")).to_have_text("Informe de transparencia")
    await expect(luis.locator("[data-value=restrictions]")).to_have_text("1")
    await luis.screenshot(path=str(SCREENSHOTS / "transparency_report.png"), full_page=True)
