"""The portal's anomaly page, /anomali/{contest}/{kode}, on SQLite and PostgreSQL: what a monitor
reads there, in Indonesian and English, and its refusals as pages."""

from __future__ import annotations

import re

from test_anomalies_api import planted, publish


def test_the_page_lists_every_queued_tps_with_its_screens_and_the_monitors_view(client, engine, reference):
    publish(client, engine, reference, *planted())
    region = client.get("/wilayah/ppwp/31").text
    assert 'href="/anomali/ppwp/31"' in region  # every region page links its anomaly page
    page = client.get("/anomali/ppwp/31")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    linked = re.findall(r'<a href="/tps/ppwp/(\d{13})">', html)
    assert linked == ["3171011001001", "3171011001002", "3171011002001", "3171011002002"]
    assert "Partisipasi di atas DPT: partisipasi 115,3%" in html
    assert "Formulir kembar: sama dengan 3171011002002" in html
    assert "Aturan formulir: R8, R9" in html
    assert "Pandangan pemantau, bukan hasil resmi" in html and "TPS dalam antrean: 4" in html
    assert 'role="img" aria-labelledby="sidik-judul sidik-uraian"' in html and "<title id=\"sidik-judul\">" in html
    assert "Mebane, W. R. (2006)" in html and "Klimek, P." in html
    assert "Publikasi awal formulir C Hasil" in html  # the disclaimer stays
    only = client.get("/anomali/ppwp/31?layar=A1").text
    assert re.findall(r'<a href="/tps/ppwp/(\d{13})">', only) == ["3171011001002", "3171011002001"]


def test_the_page_in_english(client, engine, reference):
    publish(client, engine, reference, *planted())
    html = client.get("/anomali/ppwp/0?lang=en").text
    assert '<html lang="en">' in html and "Anomaly screens: INDONESIA" in html
    assert "Turnout above the register: turnout 115.3%" in html
    assert "A monitor&#39;s view, not the official result" in html
    assert "exceed 100% of the register" in html
    assert 'href="?halaman' not in html  # one page: no page links


def test_refusals_are_pages(client):
    for path, status in (("/anomali/xx/0", 404), ("/anomali/ppwp/3999", 404), ("/anomali/ppwp/0?halaman=2", 404),
                         ("/anomali/ppwp/0?layar=A9", 422), ("/anomali/ppwp/0?halaman=0", 422)):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("text/html"), path
