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


class PxWebStandIn:
    """A PxWeb-like API on loopback (http.server) answering every POST with one canned
    status, body and headers — what the office's server sends when it refuses a query."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        import http.server
        import threading

        answer = (status, body, headers)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                code, payload, extra = answer
                self.send_response(code)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/api/v2"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


PROBLEM = "application/problem+json"


@pytest.mark.parametrize("status, body, headers, expected", [
    (400, {"type": "https://tools.ietf.org/html/rfc7231#section-6.5.1", "title": "Bad Request",
           "status": 400, "detail": "Non-existent value code 9999 for variable Region"},
     {"Content-Type": PROBLEM},
     "(HTTP 400)': the server refused the query (400 Bad Request): Bad Request — "
     "Non-existent value code 9999 for variable Region"),
    (404, {"title": "Not Found", "status": 404, "detail": "No table with id TAB9999"},
     {"Content-Type": PROBLEM},
     "(HTTP 404)': the server refused the query (404 Not Found): Not Found — No table with "
     "id TAB9999"),
    (429, {"title": "Too many requests", "status": 429,
           "detail": "You have reach the threshold for request limiting. 30 request per "
                     "minute."},
     {"Content-Type": PROBLEM, "Retry-After": "10"},
     "(HTTP 429)': the server refused the query (429 Too Many Requests): Too many requests — "
     "You have reach the threshold for request limiting. 30 request per minute. "
     "(retry after 10 s)"),
    (400, "<html><head><title>400</title></head><body><h1>Bad Request</h1><p>Syntax error in "
          "query &amp; selection</p></body></html>", {"Content-Type": "text/html"},
     "(HTTP 400)': the server refused the query (400 Bad Request): 400 Bad Request Syntax "
     "error in query & selection"),
])
def test_http_errors_keep_the_offices_own_words(tmp_path: Path, status: int, body: object,
                                                headers: dict[str, str], expected: str) -> None:
    payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    api = PxWebStandIn(status, payload, headers)
    try:
        query = PxWebQuery(api.base, "TAB638", {"Region": ["9999"]})
        with pytest.raises(DataError) as caught:
            fetch(query, tmp_path / "cache")
    finally:
        api.close()
    message = str(caught.value)
    assert message == f"{query.url}: field '{expected}"
    assert "\n" not in message
    assert not list((tmp_path / "cache").glob("*.json"))  # nothing cached from a refusal


def test_an_unreachable_server_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    query = PxWebQuery(f"http://127.0.0.1:{port}/api/v2", "TAB638")
    with pytest.raises(DataError, match=r"field '\(network\)': cannot reach the server"):
        fetch(query, tmp_path)
