"""Generated files go through Django's storage API only, so that a storage other than the local
disk (an S3 bucket) works: built, read back and downloaded from a storage with no path at all."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from results.deliberation import retention
from results.editions.builds import build_version
from results.models import Insert
from tests import world
from tests.world import FORET

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 7, 1)
ICC = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


@pytest.fixture(autouse=True)
def in_memory(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


class BucketLikeStorage(InMemoryStorage):
    """As in an S3 bucket, folders are only prefixes: exists() knows files only."""

    def exists(self, name):
        return super().exists(name) and not self.listdir(name)[0] + self.listdir(name)[1]

    def listdir(self, path):
        try:
            return super().listdir(path)
        except (FileNotFoundError, NotADirectoryError):
            return [], []


@pytest.fixture
def gard_calendar(gard):
    """One section of the Gard and its two admitted candidates."""
    world.calendar(gard, FORET, day=DAY, candidates=20)
    world.admitted(gard, FORET, ("DUPONTEL", "Camille"), ("ZIDANE", "Camille"))


def test_an_insert_is_built_read_and_downloaded_from_a_storage_with_no_path(
    gard_calendar, client, editor, title, gard, settings
):
    title.icc_profile.save("imprimeur.icc", SimpleUploadedFile("x.icc", ICC.read_bytes()))
    version, created = build_version(title, gard, DAY)
    assert created and version.pdfx  # the ICC profile was read back from the storage
    assert default_storage.exists(version.pdf.name)
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing went to the local disk
    client.force_login(editor)

    pdf = client.get(reverse("download", args=["gazette", version.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")

    page = client.get(reverse("page_thumbnail", args=["gazette", version.pk, 1]))
    assert page["Content-Type"] == "image/png"
    assert b"".join(page.streaming_content).startswith(b"\x89PNG")

    csv = client.get(reverse("export_csv", args=["gazette", version.pk]))
    assert csv.status_code == 200
    assert "DUPONTEL" in csv.content.decode()


def test_a_missing_file_is_a_404_not_an_error(gard_calendar, client, editor, title, gard):
    version, _ = build_version(title, gard, DAY)
    default_storage.delete(version.pdf.name)
    client.force_login(editor)
    assert client.get(reverse("download", args=["gazette", version.pk])).status_code == 404


def test_product_code_never_opens_a_stored_file_by_its_local_path():
    # `.path` and MEDIA_ROOT exist only on local disk: an S3 storage has neither.
    by_path = re.compile(r"\.(pdf|icc_profile|file)\.path\b|MEDIA_ROOT|\bstorage\.path\(")
    offenders = [
        f"{source.relative_to(ROOT)}:{number}"
        for folder in ("results", "layouts", "newsroom")
        for source in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(source.read_text().splitlines(), start=1)
        if by_path.search(line) and source.name != "settings.py"
    ]
    assert offenders == []


def test_the_retention_purge_finds_orphan_files_in_a_bucket(gard_calendar, title, gard, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.editions.test_storage.BucketLikeStorage"},
    }
    version, _ = build_version(title, gard, DAY)
    assert not default_storage.exists("inserts")  # a prefix, not a file
    Insert.objects.all().delete()  # a deleted title's versions: their files stay behind
    later = timezone.now() + retention.ORPHAN_MIN_AGE * 2
    orphans = {name for _, name in retention.insert_files(later)}
    assert orphans == {version.pdf.name, *version.thumbnails}
