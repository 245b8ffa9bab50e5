"""Photos of a form's pages: checked by decoding, stored content-addressed (original and public copy)."""

from __future__ import annotations

from collections.abc import Mapping

from suara.blobs import BlobStore, PhotoRejected, check_photo
from suara.services.errors import ServiceError
from suara.services.submission import PagePhoto

PAGES = (1, 2, 3)


def accept(store: BlobStore, uploads: Mapping[int, tuple[bytes, str | None]]) -> tuple[PagePhoto, ...]:
    """Check every page's photo and store both copies; nothing is stored unless all pass."""
    checked = {}
    for page, (data, declared) in sorted(uploads.items()):
        if page not in PAGES:
            raise ServiceError(422, "bad_page", f"halaman foto harus 1, 2 atau 3, bukan {page}")
        try:
            checked[page] = check_photo(data, declared_type=declared)
        except PhotoRejected as exc:
            raise ServiceError(422 if exc.code != "too_large" else 413, f"photo_{exc.code}",
                               f"foto halaman {page}: {exc.message}", {"page": page, "en": exc.message_en}) from None
    photos = []
    for page, photo in checked.items():
        original = store.put(photo.original)
        public = store.put(photo.public) if photo.public != photo.original else original
        photos.append(PagePhoto(page, original, public, photo.media_type, photo.width, photo.height))
    return tuple(photos)
