"""The person's hearing on the review page in Chromium, as a specialist lives it: deciding a
Mexican driver's deactivation previews the notice of intent; once approved, the page says the
review waits for the driver's answer and until when; when the answer arrives, it is on the
page, the form starts from the decision put to the driver, and the specialist decides again."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from tests.conftest import SCREENSHOTS, sign_in
from tests.test_appeals_api import until
from tests.test_hearings_api import ANSWER, answer
from tests.test_web_api import ANA, INTAKE, LUIS, started


async def test_a_specialist_reads_the_drivers_answer_and_decides_again(
    api: httpx.AsyncClient, web_url: str, browser: Browser
) -> None:
    review_id = await started(
        api, account={"id": "drv_hearing_web", "market": "mexico-city"}, category="fraud"
    )
    url = f"/api/v1/reviews/{review_id}"
    assert (await api.post(f"{url}/claim", headers=ANA)).is_success
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # Ana (es-MX) decides what the matrix recommends: the preview is the notice of intent.
    ana = await (await browser.new_context()).new_page()
    await sign_in(ana, web_url, "ana", f"/reviews/{review_id}")
    await expect(ana.locator("#preview article[data-kind='notice_of_intent'] h4")).to_have_text(
        "Antes de decidir: tenemos la intención de desactivar tu cuenta"
    )
    await expect(ana.locator("[data-hint='hearing_first']")).to_contain_text("audiencia")
    await ana.fill("#rationale", "Los registros de tarifas muestran rutas infladas repetidas.")
    await ana.click("#submit-decision")
    await expect(ana.locator("#decision")).to_contain_text("Ana Ruiz")

    approval = {"outcome": "approve", "comment": "Los registros son claros."}
    assert (await api.post(f"{url}/second-review", json=approval, headers=LUIS)).is_success
    await until(api, url, "hearing")
    for _ in range(100):
        await ana.reload()
        if await ana.locator("#hearing-waiting strong").count():
            break
    await expect(ana.locator("#hearing-waiting")).to_contain_text("Esperando la respuesta")
    await expect(ana.locator("#hearing-answer")).to_have_text("Todavía sin respuesta.")
    await ana.screenshot(path=str(SCREENSHOTS / "hearing_waiting.png"), full_page=True)

    # The driver answers in the platform's app; the review comes back to Ana.
    sent = await api.post(f"{url}/hearing-answer", json=answer(), headers=INTAKE)
    assert sent.status_code == 200, sent.text
    await until(api, url, "in_review")
    await ana.reload()
    await expect(ana.locator("#decide-again")).to_contain_text("decide de nuevo")
    await expect(ana.locator("#hearing-answer blockquote")).to_have_text(ANSWER)
    await expect(ana.locator("#action")).to_have_value("permanent_deactivation")
    await expect(ana.locator("#rationale")).to_have_value("")
    await expect(ana.locator("#sla")).to_contain_text("Decisión tras la audiencia")
    await ana.screenshot(path=str(SCREENSHOTS / "hearing_answered.png"), full_page=True)

    # She sends the form as it stands: the new decision needs its own rationale.
    await ana.click("#submit-decision")
    await expect(ana.locator("#error-rationale")).to_be_visible()

    await ana.select_option("#action", "temporary_suspension")
    await ana.fill("#suspension_days", "30")
    await ana.fill("#rationale", "El contrato de renta muestra que otra persona manejaba.")
    await ana.fill("#justification", "La respuesta del conductor cambia los hechos.")
    await ana.click("#submit-decision")
    await expect(ana.locator("#decision")).to_contain_text("Suspensión temporal")
    state = (await api.get(url, headers=ANA)).json()
    assert state["status"] == "awaiting_second_review"
    assert state["decision"]["action"] == "temporary_suspension"
