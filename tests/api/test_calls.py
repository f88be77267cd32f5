"""Public calls: published versions only, titles in the caller's language, filters, ordering, fixed queries."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories.grants import CallFactory, CallVersionFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(db):
    now = timezone.now()
    wepulse = ProgrammeFactory(code="wepulse", name_fr="WePulse FR", name_nl="WePulse NL")
    return {
        "open": CallVersionFactory(
            published=True,
            title_fr="Sport ouvert",
            title_nl="Sport open",
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=10),
        ),
        "closed": CallVersionFactory(published=True, closed=True, title_fr="Fermé", title_nl="Gesloten"),
        "later": CallVersionFactory(
            published=True,
            call=CallFactory(programme=wepulse),
            opens_at=now + dt.timedelta(days=5),
            closes_at=now + dt.timedelta(days=60),
        ),
        "draft": CallVersionFactory(title_fr="Brouillon"),
    }


def _codes(response):
    return [row["code"] for row in response.json()["results"]]


def test_it_lists_published_calls_soonest_deadline_first(api_client, calls):
    response = api_client.get("/api/v1/calls/")
    assert response.status_code == 200
    assert _codes(response) == [calls[k].call.code for k in ("closed", "open", "later")]


def test_titles_follow_accept_language(api_client, calls):
    code = calls["open"].call.code
    assert api_client.get(f"/api/v1/calls/{code}/", HTTP_ACCEPT_LANGUAGE="nl").json()["title"] == "Sport open"
    assert api_client.get(f"/api/v1/calls/{code}/", HTTP_ACCEPT_LANGUAGE="fr").json()["title"] == "Sport ouvert"


def test_detail_of_a_draft_is_a_404(api_client, calls):
    assert api_client.get(f"/api/v1/calls/{calls['draft'].call.code}/").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [("open=true", ["open"]), ("open=false", ["closed", "later"]), ("programme=wepulse", ["later"])],
)
def test_filters(api_client, calls, query, expected):
    assert _codes(api_client.get(f"/api/v1/calls/?{query}")) == [calls[k].call.code for k in expected]


def test_ordering_and_cursor_pages(api_client, calls):
    first = api_client.get("/api/v1/calls/?ordering=-closes_at&page_size=2").json()
    assert [row["code"] for row in first["results"]] == [calls[k].call.code for k in ("later", "open")]
    second = api_client.get(first["next"]).json()
    assert [row["code"] for row in second["results"]] == [calls["closed"].call.code]
    assert second["next"] is None


def test_page_size_is_capped(api_client, calls):
    CallVersionFactory.create_batch(3, published=True)
    from api.pagination import CursorPagination

    CursorPagination.max_page_size, old = 2, CursorPagination.max_page_size
    try:
        assert len(api_client.get("/api/v1/calls/?page_size=50").json()["results"]) == 2
    finally:
        CursorPagination.max_page_size = old


@pytest.mark.parametrize("page_size", [1, 20])
def test_queries_do_not_grow_with_the_page(api_client, django_assert_max_num_queries, page_size):
    CallVersionFactory.create_batch(20, published=True)
    with django_assert_max_num_queries(2):
        response = api_client.get(f"/api/v1/calls/?page_size={page_size}&open=true")
    assert len(response.json()["results"]) == page_size
