"""The codec endpoint lets leads and operators (and only them) read encrypted history, and
only the Temporal Web UI's origin may call it from a browser."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import httpx
import pytest
from temporalio.api.common.v1 import Payload

from review.models import Person, PersonRole
from tests.conftest import CONVERTER
from tests.test_web_api import ANA, LUIS

UI = "http://localhost:8233"


async def encrypted_person() -> dict[str, object]:
    payload = (await CONVERTER.encode([Person(id="witness-7", role=PersonRole.QA)]))[0]
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


async def test_a_lead_decodes_history_payloads(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/codec/decode", json={"payloads": [await encrypted_person()]}, headers=LUIS
    )
    assert answer.status_code == 200
    decoded = answer.json()["payloads"][0]
    assert json.loads(base64.b64decode(decoded["data"])) == {"id": "witness-7", "role": "qa"}
    assert base64.b64decode(decoded["metadata"]["encoding"]) == b"json/plain"


async def test_a_specialist_may_not_decode(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/codec/decode", json={"payloads": [await encrypted_person()]}, headers=ANA
    )
    assert answer.status_code == 403


async def test_decoding_without_credentials_is_401(api: httpx.AsyncClient) -> None:
    answer = await api.post("/codec/decode", json={"payloads": [await encrypted_person()]})
    assert answer.status_code == 401


async def test_encode_then_decode_round_trips(api: httpx.AsyncClient) -> None:
    plain = {
        "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
        "data": base64.b64encode(b'"hello"').decode(),
    }
    encoded = (await api.post("/codec/encode", json={"payloads": [plain]}, headers=LUIS)).json()
    assert base64.b64decode(encoded["payloads"][0]["metadata"]["encoding"]) == b"binary/encrypted"
    decoded = (await api.post("/codec/decode", json=encoded, headers=LUIS)).json()
    assert decoded["payloads"][0] == plain


async def test_a_payload_under_an_unknown_key_is_422_naming_the_key(api: httpx.AsyncClient) -> None:
    stray = Payload(
        metadata={"encoding": b"binary/encrypted", "encryption-key-id": b"old9"}, data=b"x" * 40
    )
    body = {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in stray.metadata.items()},
                "data": base64.b64encode(stray.data).decode(),
            }
        ]
    }
    answer = await api.post("/codec/decode", json=body, headers=LUIS)
    assert answer.status_code == 422 and "'old9'" in answer.json()["error"]


async def test_only_the_temporal_ui_origin_gets_cors_access(api: httpx.AsyncClient) -> None:
    allowed = await api.options("/codec/decode", headers={"Origin": UI})
    other = await api.options("/codec/decode", headers={"Origin": "http://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == UI
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in other.headers


async def test_a_refusal_still_carries_cors_so_the_ui_can_show_it(api: httpx.AsyncClient) -> None:
    answer = await api.post("/codec/decode", json={"payloads": []}, headers={"Origin": UI})
    assert answer.status_code == 401
    assert answer.headers["access-control-allow-origin"] == UI


def plain_payload(text: str) -> dict[str, object]:
    return {
        "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
        "data": base64.b64encode(json.dumps(text).encode()).decode(),
    }


@pytest.mark.parametrize("endpoint", ["/codec/decode", "/codec/encode"])
@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"data": "!!"}, "data"),  # lenient base64 would read this as b""
        ({"data": "héllo=="}, "data"),
        ({"metadata": {"encoding": "ñ"}}, "metadata.encoding"),
    ],
)
async def test_a_payload_that_is_not_base64_is_400_naming_the_payload_and_field(
    api: httpx.AsyncClient, endpoint: str, bad: dict[str, object], field: str
) -> None:
    body = {"payloads": [plain_payload("a"), plain_payload("b"), {**plain_payload("c"), **bad}]}
    answer = await api.post(endpoint, json=body, headers=LUIS)
    assert answer.status_code == 400
    assert answer.json() == {
        "error": f"payloads[2].{field}: not valid base64",
        "errors": [{"field": f"payloads[2].{field}", "problem": "not valid base64"}],
    }


@pytest.mark.parametrize(
    "cut", [lambda data: data[:5], lambda data: data[:-3]], ids=["short-nonce", "truncated"]
)
async def test_a_malformed_encrypted_payload_is_400_naming_the_payload(
    api: httpx.AsyncClient, cut: Callable[[bytes], bytes]
) -> None:
    broken = await encrypted_person()
    broken["data"] = base64.b64encode(cut(base64.b64decode(str(broken["data"])))).decode()
    body = {"payloads": [await encrypted_person(), broken]}
    answer = await api.post("/codec/decode", json=body, headers=LUIS)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("payloads[1].data: cannot be decrypted")


@pytest.mark.parametrize("endpoint", ["/codec/decode", "/codec/encode"])
async def test_a_body_without_payloads_means_none_as_the_cli_sends_it(
    api: httpx.AsyncClient, endpoint: str
) -> None:
    answer = await api.post(endpoint, json={}, headers=LUIS)
    assert answer.status_code == 200
    assert answer.json() == {"payloads": []}


async def test_a_preflight_allows_only_what_the_temporal_ui_sends(
    api: httpx.AsyncClient,
) -> None:
    def preflight(method: str, headers: str) -> dict[str, str]:
        return {
            "Origin": UI,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        }

    ui = await api.options(
        "/codec/decode", headers=preflight("POST", "content-type,x-namespace,authorization")
    )
    other_method = await api.options("/codec/decode", headers=preflight("DELETE", "content-type"))
    other_header = await api.options("/codec/decode", headers=preflight("POST", "x-evil"))
    assert ui.status_code == 200
    assert ui.headers["access-control-allow-origin"] == UI
    assert ui.headers["access-control-allow-credentials"] == "true"
    assert other_method.status_code == 400 and other_header.status_code == 400
