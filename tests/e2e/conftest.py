"""Browser tests: the site from the S3 website endpoint of a deployed bank, in Debian's headless Chromium.

The bank is the integration suite's (`bank` from tests/integration/conftest.py: a LocalStack this run
starts, the whole stack deployed). The site is built again here (tools/build_site.py) with the CSP's
connect-src narrowed to this run's API origin, and uploaded over the deployed one, so the tests run the
current site under its strictest policy. `ARHAN_E2E_STACK=.localcloud/stack.json` runs them against an
already running bank instead (quicker while working on the site).

Every page records browser console errors and uncaught exceptions; a test fails on any that it did not
declare as expected (`ui.expect_console(...)`).
"""

from __future__ import annotations

import json
import mimetypes
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Playwright, ViewportSize, sync_playwright

from tests.e2e.browser import ConsoleEntry, Ui
from tests.integration.conftest import Bank, User
from tests.integration.conftest import admin as admin  # noqa: PLC0414 - re-exported fixture
from tests.integration.conftest import api as api  # noqa: PLC0414 - re-exported fixture
from tests.integration.conftest import bank as fresh_bank  # noqa: F401 - the integration suite's cloud
from tests.integration.conftest import new_customer as new_customer  # noqa: PLC0414
from tools.api import Api
from tools.build_site import build, origin_of
from tools.cloud import Cloud
from tools.deploy import StackInfo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 860}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def bank(request: pytest.FixtureRequest) -> Bank:
    stack_file = os.environ.get("ARHAN_E2E_STACK")
    if not stack_file:
        return request.getfixturevalue("fresh_bank")  # type: ignore[no-any-return]
    data = json.loads(Path(stack_file).read_text())
    info = StackInfo(**data)
    port = int(info.localstack_url.rsplit(":", 1)[1])
    cloud = Cloud(port=port, state_dir=Path(stack_file).parent / "cloud")
    return Bank(cloud=cloud, info=info, api=Api(info.api_url))


@pytest.fixture(scope="session")
def site_url(bank: Bank, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Build the site with this run's API origin in its CSP and upload it over the deployed copy."""
    out = build(origin_of(bank.info.api_url), out_dir=tmp_path_factory.mktemp("site") / "dist")
    s3 = bank.client("s3")
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        key = str(path.relative_to(out))
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        s3.put_object(Bucket=bank.info.site_bucket, Key=key, Body=path.read_bytes(), ContentType=content_type)
    config = f"window.ARHAN_CONFIG = {json.dumps({'apiUrl': bank.info.api_url})};\n"
    s3.put_object(
        Bucket=bank.info.site_bucket, Key="config.js", Body=config.encode(), ContentType="text/javascript"
    )
    return bank.info.site_url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as handle:
        yield handle


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def open_ui(browser: Browser, site_url: str) -> Iterator[Callable[..., Ui]]:
    """Open a fresh browser context (own session storage) on the site; fail on console errors."""
    opened: list[Ui] = []

    def make(name: str = "user", viewport: ViewportSize | None = None) -> Ui:
        context = browser.new_context(viewport=viewport or DESKTOP, accept_downloads=True, locale="en-NG")
        context.set_default_timeout(20_000)
        page = context.new_page()
        ui = Ui(context=context, page=page, site_url=site_url, name=name)

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                location: Mapping[str, Any] = message.location or {}
                ui.errors.append(ConsoleEntry("console", message.text, str(location.get("url", ""))))

        page.on("console", on_console)
        page.on("pageerror", lambda error: ui.errors.append(ConsoleEntry("pageerror", str(error), "")))
        page.goto(site_url)
        opened.append(ui)
        return ui

    yield make
    problems = {ui.name: ui.unexpected_errors() for ui in opened}
    for ui in opened:
        ui.context.close()
    bad = {name: errors for name, errors in problems.items() if errors}
    assert not bad, f"browser console errors: {bad}"


@pytest.fixture
def customer_with_account(api: Api, new_customer: Callable[[], User]) -> Callable[[], tuple[User, str]]:
    """A customer made through the API, with one current account (PIN 1234)."""

    def make() -> tuple[User, str]:
        user = new_customer()
        response = api.post("/accounts", token=user.access_token, json={"type": "current", "pin": "1234"})
        assert response.status_code == 201, response.text
        return user, str(response.json()["account_number"])

    return make


# The first admin's forced password change can be shown only before anything signs that admin in (the
# shared `admin` fixture makes the change itself), so test_site_admin_first_sign_in.py starts first. This
# runs after tests/conftest.py's slowest-first sort (that hook is tryfirst): this order is the final one.
FIRST = "tests/e2e/test_site_admin_first_sign_in.py::"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(FIRST))
