"""The ingress serves the dashboard's build: assets cached for good, deep links on reload, and
the API's own 404/405 untouched."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx

from api.app import create_app
from tests.conftest import make_settings

INDEX = '<!doctype html><div id="root"></div><script type="module" src="/assets/app-1a2b.js">'


def build(dist: Path) -> Path:
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "app-1a2b.js").write_text("console.log('dashboard')")
    (dist / "favicon.svg").write_text("<svg/>")
    return dist


def client_for(dist: Path) -> httpx.AsyncClient:
    app = create_app(make_settings(frontend_dir=dist))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sb")


async def test_pages_get_the_dashboard_and_deep_links_survive_a_reload(tmp_path: Path) -> None:
    async with client_for(build(tmp_path / "dist")) as client:
        for path in ("/", "/inbox", "/conversations/6f1c0d0e-3a43-4b8e-9d55-0c3f5a1f3b11"):
            answer = await client.get(path, headers={"Accept": "text/html"})
            assert answer.status_code == 200, path
            assert answer.text == INDEX
            assert answer.headers["cache-control"] == "no-cache"
            # The API's security headers apply to the dashboard too (no inline script allowed).
            assert "script-src 'self'" in answer.headers["content-security-policy"]
        head = await client.head("/models")
        assert head.status_code == 200


async def test_hashed_assets_are_cached_for_a_year(tmp_path: Path) -> None:
    async with client_for(build(tmp_path / "dist")) as client:
        asset = await client.get("/assets/app-1a2b.js")
        assert asset.status_code == 200
        assert asset.text == "console.log('dashboard')"
        assert "immutable" in asset.headers["cache-control"]
        assert (await client.get("/assets/missing.js")).status_code == 404
        icon = await client.get("/favicon.svg")
        assert icon.status_code == 200 and icon.text == "<svg/>"


async def test_browsers_that_accept_gzip_get_the_prebuilt_copy(tmp_path: Path) -> None:
    dist = build(tmp_path / "dist")
    body = "console.log('dashboard');" * 200
    (dist / "assets" / "big-9f8e.js").write_text(body)
    (dist / "assets" / "big-9f8e.js.gz").write_bytes(gzip.compress(body.encode()))
    async with client_for(dist) as client:
        packed = await client.get("/assets/big-9f8e.js", headers={"Accept-Encoding": "gzip"})
        assert packed.status_code == 200
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.headers["content-type"].startswith("text/javascript")
        assert int(packed.headers["content-length"]) < len(body) / 10
        assert packed.text == body  # httpx decodes it
        plain = await client.get("/assets/big-9f8e.js", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.text == body
        assert plain.headers["vary"] == "Accept-Encoding"
        # An asset without a gzip copy is served as it is.
        small = await client.get("/assets/app-1a2b.js", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in small.headers


async def test_api_paths_keep_their_own_errors(tmp_path: Path) -> None:
    async with client_for(build(tmp_path / "dist")) as client:
        missing = await client.get("/api/v1/no-such-thing")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
        assert (await client.get("/v1/nothing")).status_code == 404
        # A page path with another method is not a page.
        posted = await client.post("/inbox", json={})
        assert posted.status_code in {404, 405}
        assert "error" in posted.json()
        # Nothing outside the build is reachable through the fallback.
        escape = await client.get("/..%2f..%2fpyproject.toml")
        assert escape.status_code == 200 and escape.text == INDEX
        assert (await client.get("/openapi.json")).json()["info"]["title"] == "Switchboard API"


async def test_without_a_build_a_page_says_how_to_build_it(tmp_path: Path) -> None:
    async with client_for(tmp_path / "nothing-here") as client:
        answer = await client.get("/inbox")
        assert answer.status_code == 503
        assert "make up" in answer.text
        assert (await client.get("/api/v1/no-such-thing")).status_code == 404
