"""Synthetic photos of a C Hasil form, as the reader meets them: the form's own numbers written
by hand into the machine-readable sheet, then photographed.

The demo stores them for a share of the TPS, so that a citizen opening such a TPS sees the
photographed sheet beside the numbers, as on KPU's site, and `suara read-form` reads such a photo
back. Each page is the contest's sheet for the TPS (reading/sheet.py: markers, QR code, three
digit boxes per number, the party lists of the TPS's dapil on a DPR or DPRD form); the numbers
are written into its boxes with the digit classifier's HELD-OUT handwriting (reading/heldout.py:
MNIST digits it never trained on), and the page is photographed (reading/photograph.py): a
slight slant and turn, a little blur, a shadow, JPEG. No sensor noise: it costs more than the
rest of the photo and the JPEG already blurs the grain away.

The sheet's printed part is made once per contest, dapil and page and shared by every TPS, so a
page costs about 0.1 s: the TPS code, its QR code, the writing and the photograph. The pages are
as many as the sheet has (3 for PPWP and the Pilkada, 2 for the DPD, 2 to 5 for the party lists).
Deterministic: the same form, TPS and seed give the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from suara.domain.ballots import BallotBook
from suara.domain.contests import Contest
from suara.reading import photograph, sheet
from suara.reading.sheet import Ballot, PartyList

PHOTO_SIZE = (1200, 1600)  # 2 megapixels: the reader's boxes stay 30 px and more, a page ~250 KB
TOTALS = ("suara_sah", "suara_tidak_sah", "suara_total")


def form_values(form: Mapping[str, Any]) -> dict[str, int | None]:
    """The form's numbers by path ("administrasi.pemilih_dpt_j", "suara.1", "partai.3.caleg.2"),
    as the sheet's layout names its boxes."""
    values: dict[str, int | None] = {f"administrasi.{k}": _int(v) for k, v in (form.get("administrasi") or {}).items()}
    values.update({f"suara.{n}": _int(v) for n, v in (form.get("suara") or {}).items()})
    for nomor, block in (form.get("partai") or {}).items():
        values[f"partai.{nomor}.suara_partai"] = _int(block.get("suara_partai"))
        values.update({f"partai.{nomor}.caleg.{c}": _int(v) for c, v in (block.get("caleg") or {}).items()})
        values[f"partai.{nomor}.jumlah"] = _int(block.get("jumlah"))
    values.update({key: _int(form.get(key)) for key in TOTALS})
    return values


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def ballot_of_form(form: Mapping[str, Any], contest: Contest, book: BallotBook | None) -> Ballot | None:
    """A party-list form's ballot: the book's for the TPS (with the names), or else the parties
    and candidates' numbers the form itself lists."""
    if not contest.is_party_list:
        return None
    if book is not None:
        ballot = sheet.ballot_of(book, contest.kind, str(form["tps"]))
        if ballot is not None and ballot.dapil == form.get("dapil"):
            return ballot
    blocks = sorted((form.get("partai") or {}).items(), key=lambda kv: int(kv[0]))
    dapil = str(form.get("dapil", ""))
    return Ballot(dapil, dapil, tuple(PartyList(nomor, f"Partai {nomor}",
                                                tuple((c, "") for c in sorted(block.get("caleg") or {}, key=int)))
                                      for nomor, block in blocks))


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


def demo_shot(rng: np.random.Generator) -> photograph.Shot:
    """A careful officer's phone photo: the page nearly flat and upright, filling the frame."""
    return photograph.Shot(tilt=float(rng.uniform(0, 14)), tilt_direction=float(rng.uniform(0, 360)),
                           rotation=float(rng.normal(0, 2.5)), blur=float(rng.uniform(0.3, 0.9)),
                           shadow=float(rng.uniform(0, 0.3)), brightness=float(rng.uniform(0.82, 1.0)), noise=0.0,
                           jpeg_quality=int(rng.integers(60, 76)), size=PHOTO_SIZE, fill=float(rng.uniform(0.86, 0.93)))


def _place(tps_label: str) -> list[str]:
    """'TPS 003, GAMBIR, GAMBIR, KOTA JAKARTA PUSAT' as the sheet's regions, the widest first."""
    return list(reversed([part.strip() for part in tps_label.split(",")[1:] if part.strip()]))


def render_form(form: Mapping[str, Any], contest: Contest, tps_label: str, seed: int = 0,
                book: BallotBook | None = None) -> list[bytes]:
    """Every page of a form's sheet, written and photographed: one JPEG per page."""
    tps = str(form["tps"])
    ballot = ballot_of_form(form, contest, book)
    first = sheet.sheet_id(contest, tps, 1, ballot)
    values = form_values(form)
    pages = []
    for page in range(1, first.pages + 1):
        layout = sheet.page_layout(contest.kind, first.candidates, page, first.lists)
        printed = sheet.render_page(contest, tps, page, _place(tps_label), ballot)
        filled, _ = photograph.fill_page(printed, layout, values, pool=photograph.heldout_pool(),
                                         seed=_seed(seed, contest.key, tps, page, "writing"))
        shot_seed = _seed(seed, contest.key, tps, page, "shot")
        pages.append(photograph.photograph(filled, demo_shot(np.random.default_rng(shot_seed)), seed=shot_seed))
    return pages


def photographed(tps: str, seed: int, share: float) -> bool:
    """Whether a TPS is among the `share` whose forms the demo photographs (the same TPS every run)."""
    if share <= 0:
        return False
    digest = hashlib.sha256(f"{seed}:photo:{tps}".encode()).digest()
    return int.from_bytes(digest[:8], "big") < share * 2**64
