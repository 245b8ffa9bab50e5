"""The demo's election night: every ballot of a place advances together, every province early;
a restarted night carries on from what is stored and a complete one sends nothing; a share of
the TPS arrives with photos of its pages, stored through the photo checks and the blob store."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from suara.blobs import FilesystemBlobStore
from suara.cli import night_start_text
from suara.reading import sheet
from suara.services import election_night
from suara.services.election_night import NightOptions, NightStart
from suara.store import audit
from suara.store.schema import form_versions, version_photos
from suara.synth import Synthesizer, SynthOptions


def key(form: dict) -> tuple[str, str]:
    return form["contest"], form["tps"]


def test_each_contest_streams_the_forms_of_forms_of_kab(pemilu_reference):
    synthesizer = Synthesizer(pemilu_reference, SynthOptions(seed=3, contests=("all",)))
    for kab in synthesizer.kabs:
        streams = synthesizer.contest_streams(kab)
        together = [form for _, _, stream in streams for form in stream]
        assert together == list(synthesizer.forms_of_kab(kab))
        assert all(total >= 1 for _, total, _ in streams)


def test_the_ballots_of_a_kab_advance_together(pemilu_reference):
    synthesizer = Synthesizer(pemilu_reference, SynthOptions(seed=3, contests=("all",)))
    streams = synthesizer.contest_streams("3201")  # Bogor: the five Pemilu ballots and two Pilkada races
    totals = {contest.key: total for contest, total, _ in streams}
    assert set(totals) == {"ppwp", "pdpr", "pdpd-32", "pdprdp", "pdprdk", "pkwkp-32", "pkwkk-3201"}
    sent: Counter[str] = Counter()
    for form in election_night._ballots_together(streams):
        sent[form["contest"]] += 1
        # no race is past half its TPS while another has not started
        if any(sent[k] * 2 > totals[k] for k in totals):
            assert all(sent[k] > 0 for k in totals), sent
        shares = [sent[k] / totals[k] for k in totals]
        assert max(shares) - min(shares) <= max(1 / t for t in totals.values()) + 1e-9
    assert sent == Counter(totals)


def test_the_first_round_opens_a_kab_in_every_province():
    import random

    kabs = [f"{p}{k:02d}" for p in (11, 12, 31, 32, 33) for k in range(1, 8)]
    order = election_night._kab_order(kabs, random.Random(4))
    assert sorted(order) == sorted(kabs) and {k[:2] for k in order[:5]} == {"11", "12", "31", "32", "33"}


def test_the_night_sends_the_whole_election_once(pemilu_reference):
    synthesizer = Synthesizer(pemilu_reference, SynthOptions(seed=3, contests=("all",)))
    night = list(election_night.interleaved(synthesizer, 3))
    assert sorted(map(key, night)) == sorted(map(key, synthesizer.forms()))
    assert len(night) == synthesizer.total_forms()
    assert night != list(synthesizer.forms())  # places and ballots interleaved, not one after another


def demo_versions(engine) -> Counter[str]:
    with engine.connect() as conn:
        keys = conn.execute(select(form_versions.c.idempotency_key)).scalars().all()
    return Counter(keys)


def test_a_restarted_night_carries_on_and_a_complete_one_sends_nothing(pemilu_engine, pemilu_reference):
    total = Synthesizer(pemilu_reference, SynthOptions(seed=5, contests=("all",))).total_forms()
    options = NightOptions(seed=5, contests=("all",), duration_seconds=total / 40)  # 20 forms a tick
    found: list[NightStart] = []
    batches = iter(range(3))
    first = election_night.run(pemilu_engine, pemilu_reference, options, started=found.append,
                               stop=lambda: next(batches, None) is None)
    assert first == 60 and found == [NightStart(total, 0, False)]
    assert "dimulai" in night_start_text(found[0], options.duration_seconds)

    reports: list[tuple[int, int]] = []
    second = election_night.run(pemilu_engine, pemilu_reference, options, report=lambda s, t: reports.append((s, t)),
                                started=found.append)
    assert found[1] == NightStart(total, 60, False) and second == total
    assert reports[0][0] > 60 and reports[-1] == (total, total)  # counted on from what was stored
    text = night_start_text(found[1], options.duration_seconds)
    assert "dilanjutkan: 60 dari" in text and "--fresh" in text
    stored = demo_versions(pemilu_engine)
    assert sum(stored.values()) == total and set(stored.values()) == {1}  # every form once, none twice

    with pemilu_engine.connect() as conn:
        head = audit.head(conn)
    third = election_night.run(pemilu_engine, pemilu_reference, options, started=found.append,
                               report=lambda s, t: reports.append((s, t)))
    assert third == total and found[2].complete and len(reports) == len(reports[:])
    assert "sudah selesai" in night_start_text(found[2], options.duration_seconds)
    with pemilu_engine.connect() as conn:
        assert audit.head(conn) == head  # nothing written

    other = NightOptions(seed=6, contests=("all",), duration_seconds=1)
    assert election_night.run(pemilu_engine, pemilu_reference, other, started=found.append) == 0
    assert found[3].other_seed and "--seed lain" in night_start_text(found[3], 1)
    assert demo_versions(pemilu_engine) == stored


def test_a_share_of_tps_arrives_with_photos_of_every_page(pemilu_engine, pemilu_reference, tmp_path):
    blobs = FilesystemBlobStore(tmp_path / "blobs")
    options = NightOptions(seed=7, contests=("ppwp", "pdpd-31"), duration_seconds=1, photo_share=0.5)
    photographed: list[tuple[str, str]] = []
    sent = election_night.run(pemilu_engine, pemilu_reference, options, blobs=blobs,
                              photo=lambda form: photographed.append(key(form)))
    with pemilu_engine.connect() as conn:
        versions = {(r.contest, r.tps): r.id for r in conn.execute(
            select(form_versions.c.id, form_versions.c.contest, form_versions.c.tps))}
        pages = defaultdict(list)
        for row in conn.execute(select(version_photos)):
            pages[row.version_id].append((row.page, row.public_sha256))
        assert conn.execute(select(func.count()).select_from(form_versions)).scalar_one() == sent
    assert 0 < len(photographed) < sent
    for contest_tps in photographed:
        stored = sorted(pages[versions[contest_tps]])
        contest = pemilu_reference.contest(contest_tps[0])  # every page of its machine-readable sheet
        assert [page for page, _ in stored] == list(range(1, sheet.sheet_pages(contest.kind, len(contest.candidates)) + 1))
        assert all(blobs.exists(digest) for _, digest in stored)
    assert {versions[k] for k in photographed} == set(pages)  # the others have none
    # a TPS photographed has every ballot photographed
    by_tps = defaultdict(set)
    for contest, tps in photographed:
        by_tps[tps].add(contest)
    assert all(contests == {"ppwp", "pdpd-31"} for tps, contests in by_tps.items() if tps.startswith("31"))


@pytest.mark.parametrize(("found", "words"), [
    (NightStart(1000, 0, False), "dimulai: 1.000 formulir dalam sekitar 30 menit"),
    (NightStart(1000, 250, False), "dilanjutkan: 250 dari 1.000 formulir sudah tersimpan (25,0%); sisanya"),
    (NightStart(1000, 1000, False), "sudah selesai: 1.000 formulir tersimpan (100%), tidak ada yang dikirim lagi"),
])
def test_what_a_started_night_says(found, words):
    assert words in night_start_text(found, 1800)


def test_fresh_deletes_the_embedded_database_and_its_photos_only(tmp_path, monkeypatch):
    import typer

    from suara.cli import _forget_embedded

    data = tmp_path / "data"
    (data / "blobs" / "ab").mkdir(parents=True)
    (data / "blobs" / "ab" / "cd").write_bytes(b"photo")
    for name in ("suara.db", "suara.db-wal", "suara.db-shm"):
        (data / name).write_bytes(b"x")
    elsewhere = tmp_path / "photos"
    elsewhere.mkdir()
    monkeypatch.setenv("SUARA_DATA_DIR", str(data))
    monkeypatch.delenv("SUARA_BLOBS_URL", raising=False)
    _forget_embedded(f"sqlite:///{data / 'suara.db'}")
    assert sorted(p.name for p in data.iterdir()) == []

    (data / "suara.db").write_bytes(b"x")
    monkeypatch.setenv("SUARA_BLOBS_URL", str(elsewhere))  # a photo directory of its own: not the demo's to delete
    _forget_embedded(f"sqlite:///{data / 'suara.db'}")
    assert elsewhere.is_dir() and not (data / "suara.db").exists()
    with pytest.raises(typer.Exit):
        _forget_embedded("postgresql://localhost/suara")
