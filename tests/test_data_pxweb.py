"""PxWeb queries: request bodies per the published v1/v2 specs, fetch once, read offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vizkit.data import DataError, PxWebQuery, fetch, read_pxweb

V2 = "https://statistikdatabasen.scb.se/api/v2"
V1 = "https://api.scb.se/OV0104/v1/doris/sv/ssd"

# A JSON-stat 2.0 response shaped like SCB's API v2 data responses.
RESPONSE = {
    "version": "2.0", "class": "dataset", "label": "Folkmängd efter region och år",
    "source": "SCB", "updated": "2025-02-21T07:00:00Z",
    "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
    "id": ["Region", "ContentsCode", "Tid"], "size": [2, 1, 2],
    "dimension": {
        "Region": {"label": "region", "category": {"index": {"0380": 0, "0381": 1},
                                                   "label": {"0380": "Uppsala",
                                                             "0381": "Enköping"}}},
        "ContentsCode": {"label": "tabellinnehåll", "category": {
            "index": {"BE0101N1": 0}, "label": {"BE0101N1": "Folkmängd"}}},
        "Tid": {"label": "år", "category": {"index": {"2023": 0, "2024": 1},
                                            "label": {"2023": "2023", "2024": "2024"}}},
    },
    "value": [1, 2, 3, 4],
}


class FakeHttp:
    """Records calls and answers with a canned response (tests never touch the network)."""

    def __init__(self, response: bytes) -> None:
        self.response = response
        self.calls: list[tuple[str, dict]] = []

    def __call__(self, url: str, body: bytes) -> bytes:
        self.calls.append((url, json.loads(body)))
        return self.response


def test_v2_query_url_and_body() -> None:
    q = PxWebQuery(V2, "TAB638").select("Region", ["0380", "0381"]).select("Tid", ["2024"])
    assert q.url == f"{V2}/tables/TAB638/data?lang=sv&outputFormat=json-stat2"
    assert q.body() == {"selection": [
        {"variableCode": "Region", "valueCodes": ["0380", "0381"]},
        {"variableCode": "Tid", "valueCodes": ["2024"]}]}


def test_v1_query_url_and_body() -> None:
    q = PxWebQuery(V1, "BE/BE0101/BE0101A/BefolkningNy", {"Region": ["0380"], "Tid": ["*"]},
                   api="v1")
    assert q.url == f"{V1}/BE/BE0101/BE0101A/BefolkningNy"
    assert q.body() == {"query": [
        {"code": "Region", "selection": {"filter": "item", "values": ["0380"]}},
        {"code": "Tid", "selection": {"filter": "all", "values": ["*"]}}],
        "response": {"format": "json-stat2"}}


def test_cache_key_depends_on_query_only() -> None:
    a = PxWebQuery(V2, "TAB638", {"Region": ["0380"]})
    assert a.cache_key() == PxWebQuery(V2, "TAB638", {"Region": ["0380"]}).cache_key()
    assert a.cache_key() != a.select("Region", ["0381"]).cache_key()
    assert a.cache_key() != PxWebQuery(V2, "TAB638", {"Region": ["0380"]},
                                       lang="en").cache_key()
    assert len(a.cache_key()) == 64


def test_fetch_once_then_offline(tmp_path: Path) -> None:
    http = FakeHttp(json.dumps(RESPONSE).encode())
    q = PxWebQuery(V2, "TAB638", {"Region": ["0380", "0381"]})
    df = read_pxweb(q, tmp_path, http=http)
    assert len(http.calls) == 1
    assert http.calls[0] == (q.url, q.body())
    assert df["Region"].astype(str).tolist() == ["0380", "0380", "0381", "0381"]
    assert df["value"].tolist() == [1.0, 2.0, 3.0, 4.0]
    prov = df.attrs["provenance"]
    assert prov.url == q.url and prov.retrieved and prov.licence == "CC0-1.0"

    def offline(url: str, body: bytes) -> bytes:
        raise AssertionError("the network must not be used when cached")

    again = read_pxweb(q, tmp_path, http=offline)
    assert again["value"].tolist() == df["value"].tolist()
    assert again.attrs["provenance"].retrieved == prov.retrieved
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{q.cache_key()}.json", f"{q.cache_key()}.meta.json"])
    # refresh fetches again
    read_pxweb(q, tmp_path, http=http, refresh=True)
    assert len(http.calls) == 2


def test_non_json_response_is_not_cached(tmp_path: Path) -> None:
    q = PxWebQuery(V2, "TAB638")
    with pytest.raises(DataError, match=r"\(response\)") as err:
        fetch(q, tmp_path, http=FakeHttp(b"<html>503 Service Unavailable</html>"))
    assert q.url in str(err.value)
    assert list(tmp_path.iterdir()) == []
