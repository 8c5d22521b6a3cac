"""Print the API's OpenAPI document (`python -m api.openapi`); the dashboard's typed client is
generated from it (frontend/scripts/gen-api.mjs). Builds the app without connecting to anything."""

from __future__ import annotations

import json
import sys

from api.app import create_app


def document() -> dict[str, object]:
    return create_app().openapi()


def main() -> None:
    json.dump(document(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
