"""The remote codec endpoint the Temporal Web UI and CLI call to show readable history.

``POST /codec/decode`` and ``/codec/encode`` take and return ``{"payloads": [...]}`` with
base64 metadata values and data (Temporal's remote codec protocol); a body without
``payloads`` means none, as the CLI sends it. Only signed-in leads and operators may use them
(session cookie or bearer token), and cross-origin calls are allowed only from the configured
Temporal Web UI origin.

A payload the server cannot read is refused naming it (``payloads[2].data: ...``): 400 when it
is malformed (not base64, truncated or corrupted ciphertext), 422 when it is encrypted with a
key this server does not hold.
"""

from __future__ import annotations

import base64
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from google.protobuf.message import DecodeError
from pydantic import BaseModel, Field
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from temporal_runtime.encryption import KEY_ID, EncryptionCodec, KeyRingError
from webapp.access import Permission
from webapp.people import Caller
from webapp.services import WebServices, authorize, services_of

router = APIRouter(prefix="/codec", tags=["operations"])

# What the Web UI sends: JSON, the namespace, and a bearer token when it passes one on.
CORS_METHODS = ("POST", "OPTIONS")
CORS_HEADERS = ("Content-Type", "X-Namespace", "Authorization")


class CodecPayload(BaseModel):
    """A payload in the remote codec protocol's JSON form."""

    metadata: dict[str, str] = Field(default_factory=dict)
    data: str = ""


class CodecBody(BaseModel):
    """The request and response body of both endpoints."""

    # The CLI's protojson omits an empty list, so a missing field means no payloads.
    payloads: list[CodecPayload] = Field(default_factory=list)


class PayloadRefused(Exception):
    """A payload the codec endpoint cannot read; ``field`` names it, e.g. ``payloads[2].data``."""

    def __init__(self, status: int, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.status = status
        self.field = field
        self.problem = problem

    def response(self) -> JSONResponse:
        """The refusal in the app's error shape (``error`` plus ``errors`` by field)."""
        return JSONResponse(
            {"error": str(self), "errors": [{"field": self.field, "problem": self.problem}]},
            status_code=self.status,
        )


def _from_base64(text: str, field: str) -> bytes:
    try:
        # validate=True: without it stray characters are dropped, so "!!" reads as b"".
        return base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error, and non-ASCII text
        raise PayloadRefused(400, field, "not valid base64") from None


def _to_proto(payload: CodecPayload, index: int) -> Payload:
    where = f"payloads[{index}]"
    return Payload(
        metadata={k: _from_base64(v, f"{where}.metadata.{k}") for k, v in payload.metadata.items()},
        data=_from_base64(payload.data, f"{where}.data"),
    )


def _to_json(payload: Payload) -> CodecPayload:
    return CodecPayload(
        metadata={k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        data=base64.b64encode(payload.data).decode(),
    )


def _payloads_of(body: CodecBody) -> list[Payload]:
    return [_to_proto(p, i) for i, p in enumerate(body.payloads)]


async def _decrypt_each(codec: PayloadCodec, payloads: list[Payload]) -> list[Payload]:
    """Decode payload by payload, so a refusal can say which one it could not read."""
    decoded = []
    for index, payload in enumerate(payloads):
        try:
            decoded.extend(await codec.decode([payload]))
        except KeyRingError as err:
            key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
            if not key_id:
                field = f"payloads[{index}].metadata.{KEY_ID}"
                raise PayloadRefused(400, field, "missing on an encrypted payload") from None
            if isinstance(codec, EncryptionCodec) and key_id not in codec.keys.ids():
                # Well formed but under a key not loaded here (e.g. rotated out): 422.
                field = f"payloads[{index}].metadata.{KEY_ID}"
                raise PayloadRefused(422, field, str(err)) from None
            raise _malformed(index) from None
        # ValueError: a nonce shorter than AES-GCM accepts, or a key id that is not UTF-8;
        # DecodeError: plaintext that is not a payload.
        except (ValueError, DecodeError):
            raise _malformed(index) from None
    return decoded


def _malformed(index: int) -> PayloadRefused:
    return PayloadRefused(
        400, f"payloads[{index}].data", "cannot be decrypted: truncated or corrupted ciphertext"
    )


def ui_origin(services: WebServices) -> str:
    """The Temporal Web UI's origin (scheme://host:port), the only one allowed cross-origin."""
    parts = urlsplit(services.settings.temporal_ui_url)
    return f"{parts.scheme}://{parts.netloc}"


def _codec(services: WebServices) -> PayloadCodec:
    codec = services.reviews.client.data_converter.payload_codec
    assert codec is not None, "the web app's client always has the encryption codec"
    return codec


Decoder = Annotated[Caller, Depends(authorize(Permission.DECODE_HISTORY, csrf=False))]


class CodecCORS:
    """Starlette's CORSMiddleware for /codec/ paths only, for the Web UI's origin.

    The origin comes from the app's services, which may only exist once the app has started
    (``create_app`` without services connects in its lifespan), so it is read per request.
    """

    def __init__(self, app: ASGIApp, web_app: FastAPI) -> None:
        self.app = app
        self.web_app = web_app
        self._by_origin: dict[str, CORSMiddleware] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply CORS to /codec/ requests; pass everything else through untouched."""
        if scope["type"] != "http" or not scope["path"].startswith(router.prefix + "/"):
            await self.app(scope, receive, send)
            return
        origin = ui_origin(self.web_app.state.services)
        cors = self._by_origin.get(origin)
        if cors is None:
            cors = self._by_origin[origin] = CORSMiddleware(
                self.app,
                allow_origins=[origin],
                allow_credentials=True,
                allow_methods=CORS_METHODS,
                allow_headers=CORS_HEADERS,
            )
        await cors(scope, receive, send)


def add_cors(app: FastAPI) -> None:
    """Give every /codec/ answer, errors included, the Web UI's CORS headers, so the UI can
    tell "not signed in" (401) from "unreachable"; the middleware answers preflights itself."""
    app.add_middleware(CodecCORS, web_app=app)


@router.post("/decode", response_model=CodecBody)
async def decode(request: Request, body: CodecBody, caller: Decoder) -> Response:
    """Decrypt payloads for a lead or operator reading history."""
    services = services_of(request)
    try:
        decoded = await _decrypt_each(_codec(services), _payloads_of(body))
    except PayloadRefused as refused:
        return refused.response()
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
    try:
        plain = _payloads_of(body)
    except PayloadRefused as refused:
        return refused.response()
    encoded = await _codec(services).encode(plain)
    answer = CodecBody(payloads=[_to_json(p) for p in encoded])
    return Response(answer.model_dump_json(), media_type="application/json")
