"""Signing in through the real login page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser


def test_a_member_signs_in_and_sees_their_projects(actors, browser, live_server, screenshot):
    page = browser.new_page(base_url=live_server.url)
    page.goto(reverse("account_login"))

    page.get_by_label("Email").fill(actors.viewer.email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In").click()

    page.wait_for_url(f"{live_server.url}/")
    assert actors.viewer.email in page.locator(".site-header").inner_text()
    assert page.get_by_role("link", name="Depot").count() == 1  # a private project of theirs
    screenshot(page, "home-member")


def test_a_wrong_password_is_refused_with_a_message(actors, browser, live_server):
    page = browser.new_page(base_url=live_server.url)
    page.goto(reverse("account_login"))

    page.get_by_label("Email").fill(actors.viewer.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()

    assert "not correct" in page.content()
    assert "Sign out" not in page.content()
