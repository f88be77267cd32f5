import os
from pathlib import Path

import pytest
from django.db import connections

OUTPUT = Path(__file__).resolve().parents[2] / "test-results"

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the same test are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser_page(require_chromium):
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=require_chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(locale="fr-BE", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            # ORM calls made while Playwright runs get their own connection (Django keeps connections per
            # context); close it here or the test database cannot be dropped at the end of the session.
            connections.close_all()
