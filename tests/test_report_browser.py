"""The report page (``index.html`` of ``districtsim plot``) opened in a real browser.

A short Schutterwald cube is plotted, its folder is served by a local ``http.server`` on
127.0.0.1, and the page is loaded in headless Chromium from Debian's ``chromium`` package,
driven by Playwright (Playwright's own browser download is not used: it needs the internet).
The page must load without a console error, an uncaught page error or a failed request, and
every ``<img>`` must have loaded (``naturalWidth`` > 0). Skipped, with the reason, where
Playwright or Chromium cannot be had; ``.ci/run`` installs Chromium where it is missing and then
sets ``DISTRICTSIM_REQUIRE_BROWSER=1``, which turns such a skip into a failure.

``REPORT_SCREENSHOT=path.png`` also saves a screenshot of the page (``make report-screenshot``
writes the manual's ``docs/figures/report_page.png`` this way).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.output.plots import plot_results

from conftest import ROOT

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
#: a browser that talks to nothing but the page: no updates, sync, QUIC or first-run dialogs
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def cannot(reason: str) -> typing.NoReturn:
    """Skip with the reason; fail instead where ``DISTRICTSIM_REQUIRE_BROWSER`` is set (CI
    sets it once Chromium is installed, so a browser that should be there is never skipped)."""
    if os.environ.get("DISTRICTSIM_REQUIRE_BROWSER"):
        pytest.fail(f"DISTRICTSIM_REQUIRE_BROWSER is set, but: {reason}")
    pytest.skip(reason)


def chromium() -> str:
    """Path of a Chromium executable, or skip saying why there is none."""
    for path in (os.environ.get("CHROMIUM"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if path and Path(path).is_file() and os.access(path, os.X_OK):
            return path
    cannot("no Chromium here (install Debian's 'chromium' package: apt-get install -y "
           "chromium; .ci/run does this where it is missing)")


@pytest.fixture(scope="module")
def report(short_cube: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The figures and index.html of a short real cube; the folder."""
    out = tmp_path_factory.mktemp("report")
    written = plot_results(short_cube, out=out)
    assert written[-1].name == "index.html"
    return out


#: (path, status) of every request the test server answered
REQUESTS: list[tuple[str, int]] = []


@pytest.fixture(scope="module")
def served(report: Path) -> Iterator[str]:
    """The report folder over HTTP on 127.0.0.1 (a free port); the page's URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            REQUESTS.append((self.path, int(code) if str(code).isdigit() else 0))

        def log_message(self, *args: object) -> None:  # keep pytest's output clean
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(report)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _own_favicon(message) -> bool:
    """The browser's own request for ``/favicon.ico``: Chromium asks for it of any page served
    over HTTP, whether the page names an icon or not (the report names none; opened from disk,
    as it is shared, nothing is requested). A 404 for it is no error of the page."""
    return message.location.get("url", "").endswith("/favicon.ico")


def open_page(url: str, user_data_dir: Path, screenshot: Path | None = None) -> dict:
    """Load ``url`` in headless Chromium; what the browser saw: console errors, page errors,
    failed requests, HTTP errors and each image's natural size."""
    try:
        from playwright import sync_api
    except ImportError:
        cannot("Playwright for Python is not installed (pip install -e '.[test]')")
    executable = chromium()
    seen: dict = {"console": [], "page": [], "failed": [], "http": []}
    with sync_api.sync_playwright() as pw:
        try:
            context = pw.chromium.launch_persistent_context(
                str(user_data_dir), executable_path=executable, headless=True,
                args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900})
        except sync_api.Error as exc:
            cannot(f"Chromium at {executable} could not be started: {exc}")
        try:
            page = context.new_page()
            page.on("console", lambda m: m.type == "error" and not _own_favicon(m) and seen[
                "console"].append(f"{m.text} ({m.location.get('url', '')})"))
            page.on("pageerror", lambda e: seen["page"].append(str(e)))
            page.on("requestfailed", lambda r: seen["failed"].append(r.url))
            page.on("response", lambda r: r.status >= 400 and seen["http"].append(
                f"{r.status} {r.url}"))
            response = page.goto(url, wait_until="load", timeout=60_000)
            seen["status"] = response.status if response else None
            seen["title"] = page.title()
            seen["images"] = page.eval_on_selector_all(
                "img", "imgs => imgs.map(i => ({src: i.getAttribute('src'), complete: i.complete,"
                " width: i.naturalWidth, height: i.naturalHeight}))")
            seen["figures"] = page.eval_on_selector_all("figure", "fs => fs.length")
            if screenshot is not None:  # the figure list and the first figures
                page.locator("h2", has_text="Figures").scroll_into_view_if_needed()
                page.evaluate("document.querySelector('figure').scrollIntoView({block: 'end'})")
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot))
        finally:
            context.close()
    return seen


def test_the_report_page_loads_in_chromium_without_errors(served: str, report: Path,
                                                          tmp_path: Path) -> None:
    target = os.environ.get("REPORT_SCREENSHOT")
    shot = (ROOT / target) if target and not Path(target).is_absolute() else (
        Path(target) if target else None)
    seen = open_page(served, tmp_path / "chromium-profile", screenshot=shot)
    assert seen["status"] == 200
    assert seen["title"].startswith("schutterwald")
    assert not seen["console"], f"console errors: {seen['console']}"
    assert not seen["page"], f"uncaught page errors: {seen['page']}"
    assert not seen["failed"], f"failed requests: {seen['failed']}"
    assert not seen["http"], f"HTTP errors: {seen['http']}"
    pngs = sorted(p.name for p in report.glob("*.png"))
    fetched = {path.lstrip("/") for path, status in REQUESTS if status == 200}
    assert set(pngs) <= fetched, "the browser fetched every figure from the server"
    images = seen["images"]
    assert sorted(i["src"] for i in images) == pngs, "every figure written is on the page"
    assert len(images) == seen["figures"] >= 5
    broken = [i["src"] for i in images if not (i["complete"] and i["width"] > 0
                                               and i["height"] > 0)]
    assert not broken, f"figures that did not load: {broken}"
    if shot is not None:
        assert shot.stat().st_size > 10_000


def test_a_missing_figure_is_caught(served: str, report: Path, tmp_path: Path) -> None:
    """The check can fail: with one figure removed, the browser reports it."""
    victim = sorted(report.glob("*.png"))[0]
    kept = victim.read_bytes()
    victim.unlink()
    try:
        seen = open_page(served, tmp_path / "chromium-profile")
    finally:
        victim.write_bytes(kept)
    assert any(victim.name in url for url in seen["http"]), seen["http"]
    assert [i["src"] for i in seen["images"] if i["width"] == 0] == [victim.name]
