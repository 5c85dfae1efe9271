"""PxWeb API queries: build once, fetch once into a local cache, read offline after that.

Two API generations are supported, following their published specifications:

- **v1** (``api.scb.se/OV0104/v1/doris/sv/ssd/...``): ``POST {base}/{table path}`` with
  ``{"query": [{"code": "Region", "selection": {"filter": "item", "values": ["0380"]}}],
  "response": {"format": "json-stat2"}}``;
- **v2** (``statistikdatabasen.scb.se/api/v2``, PxWebApi 2.0): ``POST
  {base}/tables/{id}/data?lang=sv&outputFormat=json-stat2`` with
  ``{"selection": [{"variableCode": "Region", "valueCodes": ["0380"]}]}``.

The response is stored as ``{cache_dir}/{key}.json`` where ``key`` is the SHA-256 of the URL
and the canonical (sorted-key) JSON body, next to ``{key}.meta.json`` with the URL, body and
retrieval time. A second :func:`fetch` of the same query reads the file and never calls the
network. The HTTP function is injectable (``http=``), so tests pass a fake.

When the API refuses a query (400 bad selection, 403 too many cells, 404 no such table, 429 too
many requests, 5xx), :func:`fetch` raises a :class:`~vizkit.data.DataError` naming the URL and
the HTTP status and quoting the office's own explanation: PxWebApi 2's problem details
(``title``/``detail``), a JSON-stat ``error``, or the first words of a text or HTML body; a
429's ``Retry-After`` is kept. Nothing is cached then.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from vizkit.data.errors import DataError
from vizkit.data.jsonstat import error_text, read_jsonstat
from vizkit.data.provenance import now_iso

#: ``http(url, body_bytes) -> response_bytes``; raise on failure.
HttpPost = Callable[[str, bytes], bytes]


@dataclasses.dataclass(frozen=True)
class PxWebQuery:
    """A query for one PxWeb table.

    Attributes:
        base_url: API root, e.g. ``"https://statistikdatabasen.scb.se/api/v2"`` or
            ``"https://api.scb.se/OV0104/v1/doris/sv/ssd"``.
        table: v2: the table id (``"TAB638"``); v1: the table path
            (``"BE/BE0101/BE0101A/BefolkningNy"``).
        selections: Variable code → value codes to select, e.g. ``{"Region": ["0380"]}``.
            ``["*"]`` selects all values (v1 filter ``all``, v2 wildcard).
        api: ``"v1"`` or ``"v2"``.
        lang: Language for v2 (``"sv"``, ``"en"``).
        output_format: ``"json-stat2"`` (the only format :meth:`read` understands).
    """

    base_url: str
    table: str
    selections: Mapping[str, Sequence[str]] = dataclasses.field(default_factory=dict)
    api: Literal["v1", "v2"] = "v2"
    lang: str = "sv"
    output_format: str = "json-stat2"

    def select(self, variable: str, codes: Sequence[str]) -> PxWebQuery:
        """A copy with ``variable`` restricted to ``codes`` (strings, leading zeros kept)."""
        sel = dict(self.selections)
        sel[variable] = [str(c) for c in codes]
        return dataclasses.replace(self, selections=sel)

    @property
    def url(self) -> str:
        """The URL to POST to."""
        base = self.base_url.rstrip("/")
        if self.api == "v1":
            return f"{base}/{self.table.strip('/')}"
        return f"{base}/tables/{self.table}/data?lang={self.lang}&outputFormat={self.output_format}"

    def body(self) -> dict[str, Any]:
        """The JSON body of the POST request."""
        if self.api == "v1":
            query = [{"code": k, "selection": {"filter": "all" if list(v) == ["*"] else "item",
                                               "values": [str(c) for c in v]}}
                     for k, v in self.selections.items()]
            return {"query": query, "response": {"format": self.output_format}}
        return {"selection": [{"variableCode": k, "valueCodes": [str(c) for c in v]}
                              for k, v in self.selections.items()]}

    def cache_key(self) -> str:
        """SHA-256 hex of the URL and the canonical body."""
        canon = json.dumps(self.body(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(f"{self.url}\n{canon}".encode()).hexdigest()


def urllib_post(url: str, body: bytes) -> bytes:
    """Default HTTP function: POST JSON with urllib, 60 s timeout."""
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.read()


_MAX_MESSAGE = 300


def office_message(body: bytes) -> str:
    """The explanation an API put in an error response, as one line.

    Understands PxWebApi 2's problem details (``{"title": …, "detail": …}``), JSON-stat
    errors, ``{"message": …}``/``{"error": …}`` bodies, and plain text or HTML (tags dropped).
    """
    text = body.decode("utf-8-sig", errors="replace").strip()
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        if "title" in doc or "detail" in doc:
            parts = [str(doc[k]) for k in ("title", "detail") if doc.get(k)]
            text = " — ".join(parts)
        elif "error" in doc or doc.get("class") == "error":
            text = error_text(doc)
        elif doc.get("message") or doc.get("errors"):
            text = str(doc.get("message") or doc.get("errors"))
    elif isinstance(doc, (str, list)):
        text = str(doc)
    else:
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = " ".join(text.split())
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 1] + "…"
    return text or "(no explanation in the response)"


def _refused(url: str, exc: urllib.error.HTTPError) -> DataError:
    try:
        body = exc.read() or b""
    except OSError:
        body = b""
    reason = f"the server refused the query ({exc.code} {exc.reason}): {office_message(body)}"
    retry = exc.headers.get("Retry-After") if exc.headers else None
    if retry:
        reason += f" (retry after {retry} s)" if retry.isdigit() else f" (retry after {retry})"
    return DataError(url, f"(HTTP {exc.code})", reason)


def fetch(query: PxWebQuery, cache_dir: str | PathLike[str], *, http: HttpPost | None = None,
          refresh: bool = False) -> Path:
    """Fetch the query's response into the cache (once) and return the cached file's path.

    Args:
        query: What to fetch.
        cache_dir: Folder of cached responses (created if missing).
        http: POST function; default :func:`urllib_post`. Not called when cached.
        refresh: Fetch again even when cached.

    Raises:
        DataError: the API refused the query (field ``(HTTP 400)`` etc., with the office's own
            explanation), the server cannot be reached (``(network)``), or the response is not
            JSON (``(response)``); the file named is the URL.
    """
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    key = query.cache_key()
    path, meta = folder / f"{key}.json", folder / f"{key}.meta.json"
    if path.exists() and not refresh:
        return path
    try:
        raw = (http or urllib_post)(query.url, json.dumps(query.body()).encode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise _refused(query.url, exc) from None
    except urllib.error.URLError as exc:
        raise DataError(query.url, "(network)", f"cannot reach the server: {exc.reason}"
                        ) from None
    except TimeoutError:
        raise DataError(query.url, "(network)", "no answer within the time limit") from None
    try:
        json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(query.url, "(response)", f"not JSON: {exc}", raw[:60]) from exc
    tmp = path.with_suffix(".part")
    tmp.write_bytes(raw)
    tmp.replace(path)  # atomic: a crash never leaves a half-written cache entry
    meta.write_text(json.dumps({"url": query.url, "body": query.body(),
                                "retrieved": now_iso()}, ensure_ascii=False, indent=1),
                    encoding="utf-8")
    return path


def read_pxweb(query: PxWebQuery, cache_dir: str | PathLike[str], *,
               http: HttpPost | None = None, refresh: bool = False, licence: str | None = None
               ) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """:func:`fetch` then :func:`~vizkit.data.read_jsonstat`, with URL and retrieval time in
    the provenance."""
    path = fetch(query, cache_dir, http=http, refresh=refresh)
    meta_path = path.with_name(path.name.replace(".json", ".meta.json"))
    retrieved = None
    if meta_path.exists():
        retrieved = json.loads(meta_path.read_text(encoding="utf-8")).get("retrieved")
    return read_jsonstat(path, licence=licence, url=query.url, retrieved=retrieved)
