"""Parsing a C Hasil form (shared/spec/form-json.md); refusal is rule R12."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suara.domain.form import (
    ADMINISTRASI_KEYS,
    MAX_NUMBER,
    REQUIRED_KEYS,
    Form,
    MalformedForm,
    parse_form,
)

# The example form of form-json.md, verbatim.
EXAMPLE: dict[str, Any] = {
    "tps": "3101011001005",
    "contest": "ppwp",
    "administrasi": {
        "pemilih_dpt_l": 141, "pemilih_dpt_p": 139, "pemilih_dpt_j": 280,
        "pengguna_dpt_l": 118, "pengguna_dpt_p": 122, "pengguna_dpt_j": 240,
        "pengguna_dptb_l": 2, "pengguna_dptb_p": 1, "pengguna_dptb_j": 3,
        "pengguna_non_dpt_l": 4, "pengguna_non_dpt_p": 2, "pengguna_non_dpt_j": 6,
        "pengguna_total_l": 124, "pengguna_total_p": 125, "pengguna_total_j": 249,
        "pemilih_disabilitas_j": 2,
        "surat_suara_diterima": 286, "surat_suara_dikembalikan": 1,
        "surat_suara_tidak_digunakan": 36, "surat_suara_digunakan": 249,
    },
    "suara": {"1": 60, "2": 122, "3": 64},
    "suara_sah": 246,
    "suara_tidak_sah": 3,
    "suara_total": 249,
}


def example(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(EXAMPLE)
    doc.update(changes)
    return doc


def refused(doc: object) -> MalformedForm:
    with pytest.raises(MalformedForm) as info:
        parse_form(doc)
    assert info.value.rule_id == "R12"
    assert isinstance(info.value, ValueError)
    return info.value


# --- accepted forms ---------------------------------------------------------------------------


def test_example_form_parses_exactly_as_written() -> None:
    form = parse_form(example())
    assert form.tps == "3101011001005"
    assert form.contest == "ppwp"
    assert dict(form.suara) == {"1": 60, "2": 122, "3": 64}
    assert (form.suara_sah, form.suara_tidak_sah, form.suara_total) == (246, 3, 249)
    assert form.has_administrasi is True
    assert dict(form.administrasi) == EXAMPLE["administrasi"]
    assert form.adm("pemilih_dpt_j") == 280
    assert form.adm("surat_suara_digunakan") == 249


def test_example_uses_every_administrasi_key() -> None:
    # Guards the tests below: the example covers the whole administrasi vocabulary.
    assert set(EXAMPLE["administrasi"]) == set(ADMINISTRASI_KEYS)


def test_form_without_administrasi() -> None:
    doc = example()
    del doc["administrasi"]
    form = parse_form(doc)
    assert form.has_administrasi is False
    assert dict(form.administrasi) == {}
    assert form.adm("pemilih_dpt_j") is None
    assert form.suara_total == 249


def test_form_with_partial_administrasi() -> None:
    form = parse_form(example(administrasi={"pemilih_dpt_j": 280, "surat_suara_diterima": 286}))
    assert form.has_administrasi is True
    assert dict(form.administrasi) == {"pemilih_dpt_j": 280, "surat_suara_diterima": 286}
    assert form.adm("pemilih_dpt_j") == 280
    assert form.adm("pengguna_total_j") is None


def test_zero_and_max_number_are_accepted() -> None:
    form = parse_form(example(suara={"1": 0, "2": MAX_NUMBER}, suara_tidak_sah=0))
    assert dict(form.suara) == {"1": 0, "2": MAX_NUMBER}
    assert form.suara_tidak_sah == 0


def test_misread_number_within_max_is_storable() -> None:
    # 136 read as 136188 must reach the rules, not be refused at parsing.
    form = parse_form(example(suara={"1": 617, "2": 136188, "3": 64}))
    assert form.suara["2"] == 136188


def test_to_json_round_trips_the_example() -> None:
    form = parse_form(example())
    doc = form.to_json()
    assert doc == EXAMPLE
    assert list(doc) == ["tps", "contest", "administrasi", "suara", "suara_sah", "suara_tidak_sah", "suara_total"]
    assert list(doc["administrasi"]) == list(ADMINISTRASI_KEYS)
    assert parse_form(doc) == form


def test_to_json_round_trips_without_and_with_partial_administrasi() -> None:
    bare = example()
    del bare["administrasi"]
    form = parse_form(bare)
    assert "administrasi" not in form.to_json()
    assert parse_form(form.to_json()) == form

    partial = parse_form(example(administrasi={"surat_suara_digunakan": 249, "pemilih_dpt_l": 141}))
    out = partial.to_json()
    assert list(out["administrasi"]) == ["pemilih_dpt_l", "surat_suara_digunakan"]  # spec order
    assert parse_form(out) == partial


# --- refused forms (R12) ----------------------------------------------------------------------


@pytest.mark.parametrize("doc", [None, [], "form", 5])
def test_document_must_be_an_object(doc: object) -> None:
    refused(doc)


def test_unknown_top_level_key() -> None:
    error = refused(example(catatan="hello"))
    assert error.field == "catatan"
    assert "catatan" in str(error)


def test_unknown_administrasi_key() -> None:
    adm = dict(EXAMPLE["administrasi"], pemilih_dpt_x=1)
    error = refused(example(administrasi=adm))
    assert error.field == "administrasi"
    assert "pemilih_dpt_x" in str(error)


def test_disabilitas_only_has_a_j_column() -> None:
    refused(example(administrasi={"pemilih_disabilitas_l": 1}))


def test_administrasi_must_be_an_object() -> None:
    assert refused(example(administrasi=[280])).field == "administrasi"


@pytest.mark.parametrize("key", REQUIRED_KEYS)
def test_missing_required_key(key: str) -> None:
    doc = example()
    del doc[key]
    error = refused(doc)
    assert error.field == key


NUMBER_PATHS = [
    ("suara_sah",),
    ("suara_tidak_sah",),
    ("suara_total",),
    ("suara", "2"),
    ("administrasi", "pemilih_dpt_j"),
    ("administrasi", "surat_suara_tidak_digunakan"),
]


def with_value(path: tuple[str, ...], value: object) -> dict[str, Any]:
    doc = example()
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def field_name(path: tuple[str, ...]) -> str:
    return ".".join(path)


@pytest.mark.parametrize("path", NUMBER_PATHS, ids=field_name)
@pytest.mark.parametrize(
    "bad",
    [-1, -246, 1.5, 2.0, 0.0, True, False, "246", "", None, [246], {"n": 1}, MAX_NUMBER + 1, 10**20,
     float("nan"), float("inf")],
    ids=repr,
)
def test_bad_numbers_are_refused(path: tuple[str, ...], bad: object) -> None:
    error = refused(with_value(path, bad))
    assert error.field == field_name(path)


def test_fractional_whole_float_is_refused_with_its_own_message() -> None:
    error = refused(with_value(("suara_sah",), 246.0))
    assert "desimal" in str(error)


@pytest.mark.parametrize(
    "tps",
    ["310101100100", "31010110010050", "", "310101100100x", "3101-11001005", " 3101011001005",
     "３１０１０１１００１００５", 3101011001005, None],
    ids=repr,
)
def test_tps_code_must_be_13_ascii_digits(tps: object) -> None:
    assert refused(example(tps=tps)).field == "tps"


@pytest.mark.parametrize("contest", ["", None, 1, ["ppwp"]], ids=repr)
def test_contest_must_be_non_empty_text(contest: object) -> None:
    assert refused(example(contest=contest)).field == "contest"


@pytest.mark.parametrize("suara", [{}, [60, 122, 64], "60,122,64", None, 246], ids=repr)
def test_suara_must_be_a_non_empty_object(suara: object) -> None:
    assert refused(example(suara=suara)).field == "suara"


@pytest.mark.parametrize("nomor", ["01", "0", "x", "", "1a", " 1", "-1", "1.0", "١"], ids=repr)
def test_nomor_urut_keys_must_be_plain_numbers(nomor: str) -> None:
    error = refused(example(suara={nomor: 60, "2": 122, "3": 64}))
    assert error.field == "suara"


# --- properties -------------------------------------------------------------------------------

numbers = st.integers(min_value=0, max_value=MAX_NUMBER)


@st.composite
def valid_docs(draw: st.DrawFn) -> dict[str, Any]:
    candidates = draw(st.integers(min_value=1, max_value=6))
    doc: dict[str, Any] = {
        "tps": draw(st.text(alphabet="0123456789", min_size=13, max_size=13)),
        "contest": draw(st.sampled_from(["ppwp", "pkwkp-32", "pkwkk-3204"])),
        "suara": {str(n): draw(numbers) for n in range(1, candidates + 1)},
        "suara_sah": draw(numbers),
        "suara_tidak_sah": draw(numbers),
        "suara_total": draw(numbers),
    }
    if draw(st.booleans()):
        keys = draw(st.lists(st.sampled_from(ADMINISTRASI_KEYS), unique=True))
        doc["administrasi"] = {k: draw(numbers) for k in keys}
    return doc


def number_paths(doc: dict[str, Any]) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [("suara_sah",), ("suara_tidak_sah",), ("suara_total",)]
    paths += [("suara", k) for k in doc["suara"]]
    paths += [("administrasi", k) for k in doc.get("administrasi", {})]
    return paths


@given(valid_docs())
def test_any_valid_form_parses_and_round_trips(doc: dict[str, Any]) -> None:
    form = parse_form(doc)
    assert isinstance(form, Form)
    assert dict(form.suara) == doc["suara"]
    assert dict(form.administrasi) == doc.get("administrasi", {})
    assert form.has_administrasi == ("administrasi" in doc)
    assert form.to_json() == doc
    assert parse_form(form.to_json()) == form


@given(st.data())
def test_any_form_with_one_negative_number_is_refused(data: st.DataObject) -> None:
    doc = data.draw(valid_docs())
    path = data.draw(st.sampled_from(number_paths(doc)))
    negative = data.draw(st.integers(max_value=-1))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = negative
    error = refused(doc)
    assert error.field == field_name(path)
