"""The specialists' web app and the intake API, one FastAPI app.

``create_app()`` connects to Temporal and loads people and policy on start; tests pass ready
services instead. Errors are plain words: JSON naming the field under /api, a page elsewhere.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from decision_archive.calibration import NoRound
from decision_archive.quality import NotAudited
from decision_archive.read_model import ReviewReadModel
from decision_archive.report import CaseReportRenderer
from decision_archive.store import DecisionArchive
from observability.redaction import configure_logging
from policy import PolicySettings, load_policy
from review.policy_files import PolicyFileError, entry_path
from review.qa_sampling import load_qa_sampling
from review.refusals import ReviewRuleError
from temporal_runtime.connection import PERSON_FACING_RETRY, connect, exit_process
from temporal_runtime.encryption import KeyRingError, load_key_ring
from webapp import (
    api,
    appeal_pages,
    calibration_api,
    calibration_pages,
    codec_server,
    metrics_api,
    pages,
    quality_api,
    quality_pages,
)
from webapp.i18n import refusal_words
from webapp.people import load_directory
from webapp.services import HTTP_STATUS, WebServices
from webapp.settings import WEBAPP_DIR, WebSettings
from workflows.appeal_client import AppealNotFound
from workflows.client import ReviewClient, ReviewNotFound, ReviewRefused, ReviewsUnavailable

log = logging.getLogger("deactivation_review.webapp")


async def build_services(settings: WebSettings) -> WebServices:
    """Load people and policy, as configured, then connect to Temporal (so a configuration
    error is reported as such, whether or not Temporal is up)."""
    policy_files = PolicySettings()
    policy, renderer = load_policy(policy_files)
    qa_sampling = load_qa_sampling(policy_files.qa_sampling_file)
    keys = load_key_ring()
    people = load_directory(settings.people_file, settings.demo_mode)
    archive = DecisionArchive.from_settings(keys)
    client = await connect(retry_config=PERSON_FACING_RETRY)
    return WebServices(
        reviews=ReviewClient(
            client, markets=renderer.markets, read_model=ReviewReadModel.of(archive)
        ),
        people=people,
        policy=policy,
        renderer=renderer,
        settings=settings,
        archive=archive,
        reports=CaseReportRenderer(renderer.guidelines, markets=renderer.markets),
        qa_sampling=qa_sampling,
    )


def create_app(services: WebServices | None = None, settings: WebSettings | None = None) -> FastAPI:
    """The web app; with ``services`` given it does not connect anywhere itself."""
    settings = services.settings if services else (settings or WebSettings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is None:
            try:
                app.state.services = await build_services(settings)
            except (PolicyFileError, KeyRingError) as err:
                # A configuration error will not fix itself: say what is wrong, exit 2 (as the
                # worker does), before the app listens; make run shows it and does not retry.
                print(f"webapp: not starting, a setting is invalid:\n{err}", file=sys.stderr)
                exit_process(2)
        yield

    app = FastAPI(
        title="deactivation-review",
        version="1",
        summary="Trust & safety account reviews: intake and review API",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    if services is not None:
        app.state.services = services
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.signing_key(),
        session_cookie="dr_session",
        max_age=int(settings.session_hours * 3600),
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.mount(
        "/static/swagger",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="swagger",
    )
    app.mount("/static", StaticFiles(directory=WEBAPP_DIR / "static"), name="static")
    app.include_router(api.router)
    app.include_router(quality_api.router)
    app.include_router(metrics_api.router)
    app.include_router(calibration_api.router)
    app.include_router(codec_server.router)
    codec_server.add_cors(app)
    app.include_router(pages.router)
    app.include_router(appeal_pages.router)
    app.include_router(quality_pages.router)
    app.include_router(calibration_pages.router)
    _add_error_handlers(app)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="deactivation-review API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    @app.get("/healthz", tags=["operations"])
    async def healthz(request: Request) -> JSONResponse:
        """200 when the app can reach Temporal, 503 when it cannot."""
        current: WebServices = request.app.state.services
        try:
            reachable = await current.reviews.client.service_client.check_health()
        except Exception:
            reachable = False
        return JSONResponse(
            {"status": "ok" if reachable else "unavailable", "temporal": reachable},
            status_code=200 if reachable else 503,
        )

    return app


def _is_api(request: Request) -> bool:
    """Machine-facing paths answer errors in JSON; pages answer with a page."""
    return request.url.path.startswith(("/api/", "/codec/")) or request.url.path == "/metrics"


def _add_error_handlers(app: FastAPI) -> None:
    def problem(
        request: Request, status: int, message: str, fields: list[Any] | None = None
    ) -> Response:
        if _is_api(request):
            body: dict[str, Any] = {"error": message}
            if fields is not None:
                body["errors"] = fields
            return JSONResponse(body, status_code=status)
        return pages.error_page(request, status, message, fields)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, err: RequestValidationError) -> Response:
        fields = [
            {"field": entry_path(tuple(e["loc"][1:]) or tuple(e["loc"])), "problem": e["msg"]}
            for e in err.errors()
        ]
        summary = "; ".join(f"{f['field']}: {f['problem']}" for f in fields)
        return problem(request, 422, f"invalid request: {summary}", fields)

    @app.exception_handler(ReviewRuleError)
    @app.exception_handler(ReviewRefused)
    async def refused(request: Request, err: ReviewRuleError | ReviewRefused) -> Response:
        # The API answers in English with every field at fault; a page says it in the
        # reader's language.
        problems = err.problems()
        if not _is_api(request):
            t = pages.page_translator(request)
            problems = [
                p.model_copy(update={"message": refusal_words(p.reason, p.params, p.message, t)})
                for p in problems
            ]
        message = "; ".join(p.message for p in problems)
        fields = [{"field": p.field, "problem": p.message} for p in problems if p.field]
        return problem(request, HTTP_STATUS[err.kind], message, fields or None)

    @app.exception_handler(ReviewsUnavailable)
    async def unavailable(request: Request, err: ReviewsUnavailable) -> Response:
        response = problem(request, 503, f"{err}; try again shortly")
        response.headers["Retry-After"] = str(err.retry_after_seconds)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, err: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        response = problem(request, 500, "something unexpected went wrong; it has been logged")
        # Whatever went wrong may have left this connection in a bad state: start afresh.
        response.headers["Connection"] = "close"
        return response

    @app.exception_handler(pages.PageRefused)
    async def page_refused(request: Request, err: pages.PageRefused) -> Response:
        if err.status == 401:
            return pages.sign_in_redirect(request)
        return problem(request, err.status, str(err))

    @app.exception_handler(ReviewNotFound)
    async def not_found(request: Request, err: ReviewNotFound) -> Response:
        return problem(request, 404, f"no review with id {err}")

    @app.exception_handler(NoRound)
    async def no_round(request: Request, err: NoRound) -> Response:
        return problem(request, 404, f"no calibration round with id {err}")

    @app.exception_handler(NotAudited)
    async def not_audited(request: Request, err: NotAudited) -> Response:
        return problem(request, 404, f"no closed review with id {err} in the decision archive")

    @app.exception_handler(AppealNotFound)
    async def no_appeal(request: Request, err: AppealNotFound) -> Response:
        return problem(request, 404, f"no appeal with id {err}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> Response:
        if err.status_code == 401 and not _is_api(request):
            return pages.sign_in_redirect(request)
        response = problem(request, err.status_code, str(err.detail))
        for name, value in (err.headers or {}).items():
            response.headers[name] = value
        return response


def main() -> None:
    """Serve the web app: ``python -m webapp``."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(description="deactivation-review web app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    configure_logging()
    # log_config=None: uvicorn keeps our handlers (and their redacting filter).
    uvicorn.run(create_app(), host=args.host, port=args.port, log_config=None)
    exit_process(0)
