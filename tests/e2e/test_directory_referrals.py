"""Referrals from the vetted directory, through the real engine, nearest first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from bot.config import get_settings
from bot.ops.stack import Stack
from bot.wording.languages import has_urdu_script
from tests.auxil.survivor import Survivor, has_service_list, text_of

pytestmark = pytest.mark.e2e

LISTINGS = """\
entries:
  - id: kasur-safe-house
    name: {en: Kasur safe house, ur: قصور دارالامان}
    service_types: [shelter]
    coverage: {district: Kasur}
    phone: "049-9000001"
    status: verified
    verified_by: Test Verifier
  - id: multan-legal-aid
    name: {en: Multan legal aid desk, ur: ملتان قانونی مدد}
    service_types: [legal_aid]
    coverage: {district: Multan}
    phone: "061-9000002"
    status: verified
    verified_by: Test Verifier
  - id: peshawar-clinic
    name: {en: Peshawar women's clinic, ur: پشاور کلینک}
    service_types: [medical]
    coverage: {district: Peshawar}
    phone: "091-9000003"
    status: verified
    verified_by: Test Verifier
"""


@pytest.fixture(scope="module")
def directory(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The stack's directory, edited with the command line editors use."""
    path: Path = tmp_path_factory.mktemp("listings") / "listings.yaml"
    path.write_text(LISTINGS, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", stack.settings.database_url)
        get_settings.cache_clear()
        assert main(["services", "import", str(path), "--by", "Test Editor"]) == 0
        yield
    get_settings.cache_clear()


def ask(gateway: httpx.Client, language: str, request: str) -> str:
    survivor = Survivor(gateway)
    survivor.onboard(language)
    for message in [request, "0", "0"]:
        replies = survivor.says(message)
        if has_service_list(replies):
            return text_of(replies)
    raise AssertionError(f"no service list within three turns: {survivor.transcript}")


def test_shelter_in_kasur_district_first(gateway: httpx.Client, directory: None) -> None:
    listing = ask(gateway, "en", "I need a shelter in Kasur")
    assert listing.index("049-9000001") < listing.index("1121")  # district, then Punjab


def test_urdu_lawyer_in_multan_district_then_province_then_national(
    gateway: httpx.Client, directory: None
) -> None:
    listing = ask(gateway, "ur", "مجھے ملتان میں وکیل چاہیے")
    assert listing.index("061-9000002") < listing.index("1043")  # district, then Punjab
    for national in ("1098", "1099"):  # national lines after Punjab's (maybe on page two)
        assert national not in listing or listing.index("1043") < listing.index(national)
    assert "ملتان قانونی مدد" in listing  # the name in the person's script


def test_roman_urdu_doctor_in_peshawar(gateway: httpx.Client, directory: None) -> None:
    listing = ask(gateway, "ur_Latn", "peshawar mein doctor")
    assert listing.index("091-9000003") < listing.index("1122")
    assert "Peshawar women's clinic" in listing and not has_urdu_script(listing)


def test_expiring_a_listing_removes_it_at_once(
    stack: Stack, gateway: httpx.Client, directory: None
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", stack.settings.database_url)
        get_settings.cache_clear()
        assert main(["services", "expire", "multan-legal-aid", "--by", "Test Editor"]) == 0
    get_settings.cache_clear()
    listing = ask(gateway, "en", "I need a lawyer in Multan")
    assert "061-9000002" not in listing and "1043" in listing
