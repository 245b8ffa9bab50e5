"""The zone a region tells time in: WIB, WITA or WIT by its province; WIB for the nation and abroad."""

from __future__ import annotations

from datetime import UTC, datetime

from suara.domain.localtime import WIB, WIT, WITA, local_text, zone_name, zone_of


def test_each_province_keeps_its_own_zone():
    wib = ("11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36", "61", "62")
    wita = ("51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76")
    wit = ("81", "82", "91", "92", "93", "94", "95", "96")
    assert {zone_name(zone_of(p)) for p in wib} == {"WIB"}
    assert {zone_name(zone_of(p)) for p in wita} == {"WITA"}
    assert {zone_name(zone_of(p)) for p in wit} == {"WIT"}
    assert zone_of("5171011001001") is WITA and zone_of("917101") is WIT  # a TPS or region by its province
    assert zone_of("0") is WIB and zone_of("99AG010001001") is WIB  # the nation, and stations abroad as KPU dates them


def test_a_moment_in_each_zone():
    moment = datetime(2024, 2, 14, 11, 44, tzinfo=UTC)
    assert [local_text(moment, z) for z in (WIB, WITA, WIT)] == [
        "2024-02-14 18:44:00", "2024-02-14 19:44:00", "2024-02-14 20:44:00"]
