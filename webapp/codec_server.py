"""The remote codec endpoint the Temporal Web UI and CLI call to show readable history.

``POST /codec/decode`` and ``/codec/encode`` take and return ``{"payloads": [...]}`` with
base64 metadata values and data (Temporal's remote codec protocol). Only signed-in leads and
operators may use them (session cookie or bearer token), and cross-origin calls are allowed
only from the configured Temporal Web UI origin.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from temporal_runtime.encryption import KeyRingError
from webapp.access import Permission
from webapp.people import Caller
from webapp.services import WebServices, authorize, services_of

router = APIRouter(prefix="/codec", tags=["operations"])


class CodecPayload(BaseModel):
    """A payload in the remote codec protocol's JSON form."""

    metadata: dict[str, str] = Field(default_factory=dict)
    data: str = ""


class CodecBody(BaseModel):
    """The request and response body of both endpoints."""

    payloads: list[CodecPayload]


def _to_proto(payload: CodecPayload) -> Payload:
    return Payload(
        metadata={k: base64.b64decode(v) for k, v in payload.metadata.items()},
        data=base64.b64decode(payload.data),
    )


def _to_json(payload: Payload) -> CodecPayload:
    return CodecPayload(
        metadata={k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        data=base64.b64encode(payload.data).decode(),
    )


def ui_origin(services: WebServices) -> str:
    """The Temporal Web UI's origin (scheme://host:port), the only one allowed cross-origin."""
    parts = urlsplit(services.settings.temporal_ui_url)
    return f"{parts.scheme}://{parts.netloc}"


def cors_headers(request: Request, services: WebServices) -> dict[str, str]:
    """CORS headers for the Web UI's origin; none for any other origin."""
    origin = request.headers.get("origin")
    if origin != ui_origin(services):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, X-Namespace, Authorization",
        "Vary": "Origin",
    }


def _codec(services: WebServices) -> PayloadCodec:
    codec = services.reviews.client.data_converter.payload_codec
    assert codec is not None, "the web app's client always has the encryption codec"
    return codec


Decoder = Annotated[Caller, Depends(authorize(Permission.DECODE_HISTORY, csrf=False))]


@router.options("/decode", include_in_schema=False)
@router.options("/encode", include_in_schema=False)
async def preflight() -> Response:
    """Answer the Web UI's CORS preflight (the middleware adds the headers)."""
    return Response(status_code=204)


def add_cors(app: FastAPI) -> None:
    """Give every /codec/ answer, errors included, the Web UI's CORS headers, so the UI can
    tell "not signed in" (401) from "unreachable"."""

    @app.middleware("http")
    async def codec_cors(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path.startswith(router.prefix + "/"):
            response.headers.update(cors_headers(request, services_of(request)))
        return response


@router.post("/decode", response_model=CodecBody)
async def decode(request: Request, body: CodecBody, caller: Decoder) -> Response:
    """Decrypt payloads for a lead or operator reading history."""
    services = services_of(request)
    try:
        decoded = await _codec(services).decode([_to_proto(p) for p in body.payloads])
    except KeyRingError as err:
        return JSONResponse({"error": str(err)}, status_code=422)
    # The protocol does not say which workflow the payloads belong to. The Referer names it
    # when the browser sends the Web UI page's full address (many send only the origin).
    await services.record_access(
        request,
        caller,
        "decode_history",
        _review_from_referer(request.headers.get("referer", "")),
        "codec",
        f"{len(decoded)} payload(s)",
    )
    answer = CodecBody(payloads=[_to_json(p) for p in decoded])
    return Response(answer.model_dump_json(), media_type="application/json")


def _review_from_referer(referer: str) -> str | None:
    """The workflow id in a Temporal Web UI URL (``.../workflows/{id}/...``), if any."""
    parts = urlsplit(referer).path.split("/")
    if "workflows" in parts:
        found = parts[parts.index("workflows") + 1 :]
        if found and found[0].startswith("review-"):
            return found[0][:160]
    return None


@router.post("/encode", response_model=CodecBody)
async def encode(request: Request, body: CodecBody, caller: Decoder) -> Response:
    """Encrypt payloads (the Web UI encodes inputs it sends, e.g. signals)."""
    services = services_of(request)
    encoded = await _codec(services).encode([_to_proto(p) for p in body.payloads])
    answer = CodecBody(payloads=[_to_json(p) for p in encoded])
    return Response(answer.model_dump_json(), media_type="application/json")
