"""Browser tests: Playwright driving Debian's chromium (never a downloaded browser).

Chromium missing skips these tests, or fails them when
``DEVISUBOX_REQUIRE_SERVICES=1`` (CI installs it with apt-get).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread


class OneRequestAtATime(WSGIServer):
    """The live server without threads.

    The test database is in-memory SQLite, whose single connection the live
    server shares with every request thread. Two requests at once (the upload
    page sends two files in parallel) then interleave their savepoints on it
    and fail at random ("no such savepoint"). Served one at a time, they
    cannot; Django answers "Connection: close" from a server without threads,
    so the browser never waits on a kept-alive socket.
    """

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        # LiveServerThread.run() already installs these in the serving thread.
        self.connections_override = connections_override


LiveServerThread.server_class = OneRequestAtATime

# `make test` prints this folder; CI can keep it as an artifact.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# Playwright's sync API runs an event loop in this thread; the tests' own ORM
# calls (setting up rows, checking them) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    if executable is None:
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("DEVISUBOX_REQUIRE_SERVICES") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        browser.close()


@pytest.fixture
def signed_in_page(browser, live_server):
    """``page_for(user)``: a fresh browser page whose session is ``user``'s."""
    from django.test import Client

    contexts = []

    def page_for(user):
        client = Client()
        client.force_login(user)
        context = browser.new_context(base_url=live_server.url)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        return context.new_page()

    yield page_for
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, name)`` saves a full-page PNG under test-artifacts/screenshots/."""

    def save(page, name: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return save
