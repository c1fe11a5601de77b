"""Fixtures of the integration tests: one real stack of services per session.

``stack`` (session scope) is a started ``tests.integration.stack.Stack`` with
the database migrated and static files collected. Missing programs skip the
tests, or fail them when ``DEVISUBOX_REQUIRE_SERVICES=1`` (CI sets it); a
service that does not start always fails, with its log's tail.
``DEVISUBOX_KEEP_STACK=1`` keeps the stack's folder (logs, data) after the
session, for a look at what happened.
"""

import os
import time

import pytest

from tests.integration.stack import MissingService, ServiceError, Stack

# Stacks started this session, for the timing line of the terminal summary.
_started: list[Stack] = []


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.fixture(scope="session")
def stack():
    """PostgreSQL, Redis and SeaweedFS on 127.0.0.1, migrated; stopped at session end."""
    began = time.monotonic()
    services = Stack(keep=_flag("DEVISUBOX_KEEP_STACK"))
    try:
        missing = failed = None
        try:
            services.start()
        except MissingService as exc:
            missing = f"integration services unavailable: {exc}"
        except ServiceError as exc:
            failed = f"an integration service did not start:\n{exc}"
        if missing and _flag("DEVISUBOX_REQUIRE_SERVICES"):
            pytest.fail(f"{missing} (DEVISUBOX_REQUIRE_SERVICES=1)", pytrace=False)
        if missing:
            pytest.skip(missing)
        if failed:
            pytest.fail(failed, pytrace=False)
        services.prepare()
        services.timings["session_start"] = round(time.monotonic() - began, 2)
        _started.append(services)
        yield services
    finally:
        services.close()


@pytest.fixture(autouse=True)
def _services_up(request):
    """Before each test that uses the stack: bring back what an earlier test took down."""
    if "stack" in request.fixturenames:
        request.getfixturevalue("stack").ensure_running()


@pytest.fixture
def web(stack):
    """A gunicorn server (2 workers) for one test, stopped afterwards."""
    server = stack.start_web()
    yield server
    server.stop()


@pytest.fixture
def worker(stack):
    """A Celery worker (concurrency 1) for one test, stopped afterwards."""
    handle = stack.start_worker()
    yield handle
    handle.stop()


def pytest_terminal_summary(terminalreporter):
    for services in _started:
        timings = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in services.timings.items())
        terminalreporter.write_line(f"integration stack start: {timings}")
        if _flag("DEVISUBOX_KEEP_STACK"):
            terminalreporter.write_line(f"integration stack kept in {services.base_dir}")
