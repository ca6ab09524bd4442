"""What a browser test holds for one person's tab: the page, its console errors, screenshots."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, Page

from tests.integration.conftest import PASSWORD

SCREENSHOTS = Path(__file__).parent / "screenshots"


@dataclass
class ConsoleEntry:
    kind: str
    text: str
    url: str


@dataclass
class Ui:
    """One browser context (one person's tab) with console bookkeeping and screenshot helpers."""

    context: BrowserContext
    page: Page
    site_url: str
    name: str
    errors: list[ConsoleEntry] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def go(self, route: str) -> None:
        """Open a hash route, e.g. "/dashboard"; a full load when the page is not the site yet."""
        if self.page.url.startswith(self.site_url):
            self.page.evaluate("route => { window.location.hash = route; }", route)
        else:
            self.page.goto(f"{self.site_url}#{route}")

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_timeout(150)  # let the charts draw (no animation)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def expect_console(self, pattern: str) -> None:
        """Declare a console error as expected, e.g. the 404 a stranger's URL must give."""
        self.expected.append(re.compile(pattern))

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.go("/login")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.get_by_role("button", name="Log out").wait_for()

    def unexpected_errors(self) -> list[ConsoleEntry]:
        return [e for e in self.errors if not any(p.search(f"{e.text} {e.url}") for p in self.expected)]
