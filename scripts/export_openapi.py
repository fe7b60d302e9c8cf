"""Write the API's OpenAPI document to docs/openapi.json: ``python -m scripts.export_openapi``.

The document is the integration contract other systems build against; the web app serves the
same at ``/openapi.json``. A test fails when the committed copy differs from what the app
serves, so the contract in the repository is always the one the code keeps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from webapp.app import create_app
from webapp.settings import WebSettings

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def contract() -> dict[str, Any]:
    """The OpenAPI document the web app serves (built without connecting anywhere)."""
    return create_app(settings=WebSettings(demo_mode=True, secret_key="openapi")).openapi()


def text() -> str:
    """The document as committed: sorted keys, two-space indents, a final newline."""
    return json.dumps(contract(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    DOCUMENT.write_text(text())
    print(f"wrote {DOCUMENT}")
