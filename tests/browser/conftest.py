import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
ALLOW_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwrights_event_loop():
    """Let the ORM run in the thread where Playwright keeps its event loop, for browser tests only.

    Playwright's sync API keeps an event loop on the main thread, and Django refuses ORM calls
    while one is there (SynchronousOnlyOperation), though nothing here runs concurrently: the
    tests, their fixtures and the transactional flush all call the ORM between page actions.
    Set from os.environ, which Django reads on every call, rather than at import of the
    top-level conftest, so every other test keeps Django's guard. Session-scoped because the
    `playwright` fixture is, and autouse so it is set up before it and torn down after it;
    tests/conftest.py runs the browser tests last, as the loop outlives them.
    """
    before = os.environ.get(ALLOW_ASYNC_UNSAFE)
    os.environ[ALLOW_ASYNC_UNSAFE] = "true"
    yield
    if before is None:
        os.environ.pop(ALLOW_ASYNC_UNSAFE, None)
    else:
        os.environ[ALLOW_ASYNC_UNSAFE] = before


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium: Playwright cannot download its own browser here.
    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: `make test` installs it (apt chromium)"
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
