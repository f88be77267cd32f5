from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import formats, translation

from core.i18n_catalogues import parse_po, problems
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_every_catalogue_is_complete(language):
    po = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"
    entries = parse_po(po)
    assert len(entries) > 200
    assert problems(entries) == []


def test_viewflow_strings_exist_in_dutch():
    with translation.override("nl"):
        assert translation.gettext("Queue") == "Wachtrij"
        assert translation.gettext("Log out") == "Afmelden"


@pytest.mark.parametrize(
    ("prefix", "heading"),
    [("fr", "Appels à projets ouverts"), ("nl", "Lopende projectoproepen"), ("en", "Open calls for projects")],
)
def test_the_portal_speaks_the_language_of_its_url(client, prefix, heading):
    response = client.get(f"/{prefix}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert f'<html lang="{prefix}">' in content
    assert heading in content


def test_the_root_sends_a_dutch_browser_to_the_dutch_portal(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="nl-BE,nl;q=0.9")
    assert response.status_code == 302
    assert response["Location"] == "/nl/"


def test_switching_language_is_remembered_on_the_account(client, commune_editor):
    client.force_login(commune_editor)
    response = client.post("/i18n/setlang/", {"language": "nl", "next": "/fr/account/"})
    assert response["Location"] == "/nl/account/"
    commune_editor.refresh_from_db()
    assert commune_editor.preferred_language == "nl"


def test_an_unknown_language_changes_nothing(client, commune_editor):
    client.force_login(commune_editor)
    client.post("/i18n/setlang/", {"language": "de", "next": "/fr/"})
    commune_editor.refresh_from_db()
    assert commune_editor.preferred_language == "fr"


def test_signing_in_opens_the_portal_in_the_persons_language(client, commune_editor):
    commune_editor.preferred_language = "nl"
    commune_editor.save()
    response = client.post("/fr/login/", {"username": commune_editor.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/nl/")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_dates_and_amounts_show_the_brussels_way_in_every_language(language):
    with translation.override(language):
        assert formats.date_format(date(2026, 3, 31), "SHORT_DATE_FORMAT") == "31/03/2026"
        rendered = Template("{% load bpl %}{{ amount|money }}").render(Context({"amount": "1234.56"}))
        assert rendered == "1.234,56 EUR"


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_catalogues_compile_without_gnu_gettext_and_read_back_exactly(language, tmp_path):
    import gettext

    from core.i18n_catalogues import compile_mo

    po = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"
    entries = parse_po(po)
    mo = tmp_path / "django.mo"
    assert compile_mo(entries, mo) == len([e for e in entries if e.msgid])
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for entry in entries:
        if entry.msgid and entry.msgid_plural is None:
            expected = entry.msgstr[0]
            got = catalogue.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else catalogue.gettext(entry.msgid)
            assert got == expected
