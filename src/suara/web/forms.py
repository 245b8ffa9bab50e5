"""Reading plain HTML form posts."""

from __future__ import annotations

from starlette.datastructures import FormData

from suara.services.errors import ServiceError


def text(form: FormData, name: str) -> str:
    """A text field of a posted form; a file sent in its place is refused, not stored as its repr."""
    value = form.get(name, "")
    if not isinstance(value, str):
        raise ServiceError(422, "bad_field", f"isian {name} harus berupa teks, bukan berkas")
    return value
