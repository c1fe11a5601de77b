"""English and French: chosen from the browser or the footer switcher, every text translated."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"


def _entries(path: Path):
    """(flags, msgid, msgstrs) of every entry of a .po file but its header."""

    def unquote(line: str) -> str:
        return line[line.index('"') + 1 : line.rindex('"')].replace('\\"', '"')

    for block in path.read_text(encoding="utf-8").split("\n\n"):
        flags, fields, key = "", {}, None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                flags += line
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[key] += unquote(line)
            else:
                key = line.split(" ", 1)[0]
                fields[key] = unquote(line)
        if fields.get("msgid"):
            msgstrs = [v for k, v in fields.items() if k.startswith("msgstr")]
            yield flags, fields["msgid"], msgstrs


def test_english_is_the_default(client):
    content = client.get(reverse("home")).content.decode()

    assert '<html lang="en">' in content
    assert "Construction-site timelapses" in content
    assert "Photos shown publicly are anonymized" in content


def test_the_browser_language_picks_french(client):
    content = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()

    assert '<html lang="fr">' in content
    assert "Timelapses de chantier" in content
    assert "Les photos montrées publiquement sont anonymisées" in content
    assert "Construction-site timelapses" not in content


def test_the_switcher_sets_french_for_later_pages():
    client = Client(enforce_csrf_checks=False)
    home = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("set_language")}"' in home
    assert 'name="language"' in home

    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302

    content = client.get(reverse("home")).content.decode()
    assert '<html lang="fr">' in content
    assert "Projets publics" in content

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()


def test_the_javascript_catalog_translates_page_scripts(client):
    url = reverse("javascript-catalog")
    assert f'<script src="{url}">' in client.get(reverse("home")).content.decode()

    response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Envoi de %(count)s photos" in body
    assert "Lecture" in body


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_message_has_a_french_translation(domain):
    entries = list(_entries(LOCALE_DIR / f"{domain}.po"))

    assert entries
    assert not [msgid for flags, msgid, _ in entries if "fuzzy" in flags]
    assert not [msgid for _, msgid, msgstrs in entries if not msgstrs or not all(msgstrs)]
    assert (LOCALE_DIR / f"{domain}.mo").stat().st_mtime >= 0


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_placeholders_are_kept_in_french(domain):
    for _, msgid, msgstrs in _entries(LOCALE_DIR / f"{domain}.po"):
        expected = set(re.findall(r"%\(\w+\)s", msgid))
        for msgstr in msgstrs:
            assert set(re.findall(r"%\(\w+\)s", msgstr)) == expected, msgid
