"""Photos of a form's pages: checked by decoding, stored content-addressed (original and public
copy), and only for a submission that was accepted.

Blobs have no delete (they are evidence), so a photo written before its form is refused would
stay on disk for ever, referenced by nothing. Hence the order: check every photo and compute its
names, submit the form with those names, and write the blobs only when the form is stored. A
crash between the form's commit and the blob write leaves a version whose photo is missing
(`suara verify` names it); the device's retry with the same Idempotency-Key replays the stored
answer and writes the blobs again, which repairs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine

from suara.blobs import BlobStore, PhotoRejected, check_photo
from suara.blobs.storage import sha256_hex
from suara.domain.contests import KIND_LIST
from suara.domain.policy import Outcome, Policy
from suara.services.errors import ServiceError
from suara.services.group_commit import GroupCommitter
from suara.services.photo_reading import PhotoReading, officer_record, read_filed_photos
from suara.services.submission import (
    IdempotencyConflict,
    PagePhoto,
    Submission,
    SubmissionResult,
    submit_forms,
)

MAX_PAGES = max(kind.pages for kind in KIND_LIST)  # the legislative C Hasil has five pages
PAGE_FIELDS = tuple(f"page{n}" for n in range(1, MAX_PAGES + 1))


@dataclass(frozen=True)
class CheckedPages:
    """Photos that passed every check, named but not yet stored."""

    photos: tuple[PagePhoto, ...] = ()
    contents: tuple[bytes, ...] = field(default=(), repr=False)  # each distinct blob, to write once accepted

    def keep(self, store: BlobStore) -> None:
        for data in self.contents:
            store.put(data)


def check_pages(uploads: Mapping[int, tuple[bytes, str | None]], pages: int = MAX_PAGES) -> CheckedPages:
    """Check every page's photo (a form of `pages` pages); a refusal (4xx) names the page. Nothing
    is written."""
    photos, contents = [], {}
    for page, (data, declared) in sorted(uploads.items()):
        if not 1 <= page <= pages:
            raise ServiceError(422, "bad_page", f"halaman foto harus 1 sampai {pages} untuk formulir ini, bukan {page}")
        try:
            photo = check_photo(data, declared_type=declared)
        except PhotoRejected as exc:
            raise ServiceError(422 if exc.code != "too_large" else 413, f"photo_{exc.code}",
                               f"foto halaman {page}: {exc.message}", {"page": page, "en": exc.message_en}) from None
        original = sha256_hex(photo.original)
        public = sha256_hex(photo.public) if photo.public != photo.original else original
        contents[original], contents[public] = photo.original, photo.public
        photos.append(PagePhoto(page, original, public, photo.media_type, photo.width, photo.height))
    return CheckedPages(tuple(photos), tuple(contents.values()))


def _pages_of(reference: Any, doc: Any) -> int:
    """Pages of the form's contest (3 for PPWP and Pilkada, 5 for the legislative ballots)."""
    try:
        return int(reference.contest(doc["contest"]).info.pages)
    except (KeyError, TypeError, LookupError):
        return MAX_PAGES  # the submission itself is refused for its contest


def submit_with_photos(store: BlobStore, writer: Engine, reference: Any, submission: Submission,
                       uploads: Mapping[int, tuple[bytes, str | None]],
                       policy: Policy, committer: GroupCommitter | None = None,
                       reading: Any = None) -> SubmissionResult | IdempotencyConflict:
    """Submit one form with its page photos; the photos reach the store only if the form is stored.

    Decoding, hashing and reading the photos (services/photo_reading.py), and writing them, happen
    here, outside the database's lock; with a committer the form is stored in a batch with others
    arriving at the same moment. `reading`: the device's record of the numbers it pre-filled from
    a reading of these photos ({"numbers": {path: origin}})."""
    prepared = prepare_photos(reference, submission, uploads, reading)
    if committer is not None:
        result = committer.submit(prepared.submission, policy)
    else:
        [result] = submit_forms(writer, reference, [prepared.submission], policy)
    prepared.keep_if_stored(result, store)
    return result


@dataclass(frozen=True)
class PreparedSubmission:
    """A submission with its photos checked and read, ready to be stored; its photos wait for
    the answer (keep_if_stored)."""

    submission: Submission
    pages: CheckedPages = CheckedPages()

    def keep_if_stored(self, result: SubmissionResult | IdempotencyConflict, store: BlobStore) -> None:
        if self.pages.contents and isinstance(result, SubmissionResult) and result.outcome is not Outcome.REFUSED \
                and result.version_id:
            self.pages.keep(store)  # a replayed answer writes them again: the repair after a crash


def prepare_photos(reference: Any, submission: Submission, uploads: Mapping[int, tuple[bytes, str | None]],
                   reading: Any = None) -> PreparedSubmission:
    """Everything a submission with photos needs before it can be stored, all of it CPU work
    outside the database: the officer's record checked, the photos checked, named and read."""
    if not uploads and reading is None:
        return PreparedSubmission(submission)
    origins = officer_record(reading, submission.doc)
    pages = check_pages(uploads, _pages_of(reference, submission.doc)) if uploads else CheckedPages()
    read = (read_filed_photos([data for _, (data, _) in sorted(uploads.items())], submission.doc, origins)
            if isinstance(submission.doc, dict) and (uploads or origins) else PhotoReading(None))
    return PreparedSubmission(replace(submission, photos=pages.photos, reading=read.reading, photo_flags=read.flags),
                              pages)
