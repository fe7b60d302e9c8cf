"""The appeals queue and an appeal's page in Chromium, as people use them: whoever decided the
original is told someone else must hear it; another specialist claims it, sends the decision
form as it stands (empty) and is told what is missing, then overturns, and the review's page
shows the outcome."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from tests.conftest import SCREENSHOTS, sign_in
from tests.test_appeals_api import closed_deactivation, filed, until


async def test_another_specialist_overturns_an_appeal_from_the_appeals_queue(
    api: httpx.AsyncClient, web_url: str, browser: Browser
) -> None:
    review_id = await closed_deactivation(api, "drv_appeal_web", "es-MX")
    appeal_id = await filed(api, review_id)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    ana = await (await browser.new_context()).new_page()
    await sign_in(ana, web_url, "ana", f"/appeals/{appeal_id}")
    await expect(ana.locator("#took-part")).to_contain_text("otra persona debe resolver")
    await expect(ana.locator("#claim-appeal")).to_have_count(0)

    marco = await (await browser.new_context()).new_page()
    await sign_in(marco, web_url, "marco", "/appeals")
    row = marco.locator(f"tr[data-appeal='{appeal_id}']")
    await expect(row).to_contain_text(review_id)
    await marco.screenshot(path=str(SCREENSHOTS / "appeals_queue.png"), full_page=True)
    await row.locator("a", has_text=appeal_id).click()
    await expect(marco.locator("#statement")).to_contain_text("police report")
    await marco.click("#claim-appeal")
    await expect(marco.locator("#done")).to_contain_text("Estás resolviendo esta apelación")

    await marco.click("#decide-appeal")  # the form as it stands: nothing chosen, nothing typed
    await expect(marco.locator("#error-outcome")).to_contain_text("Resultado")
    await expect(marco.locator("#error-rationale")).to_contain_text("Fundamento")

    await marco.check("input[name=outcome][value=overturn]")
    await marco.fill("textarea[name=rationale]", "The police report shows a stolen phone.")
    await marco.click("#decide-appeal")
    await expect(marco.locator("#done")).to_contain_text("Apelación resuelta")
    await until(api, f"/api/v1/appeals/{appeal_id}", "closed")
    await marco.reload()
    await expect(marco.locator("#appeal-status")).to_have_text("Cerrada")
    await expect(marco.locator("#appeal-outcome")).to_contain_text("Revocada")
    await expect(marco.locator("#account-change-1")).to_contain_text("Reactivación")
    await marco.screenshot(path=str(SCREENSHOTS / "appeal_overturned.png"), full_page=True)

    await marco.click("#appealed-review")
    await expect(marco.locator("#appeal-1")).to_contain_text("Revocada")
