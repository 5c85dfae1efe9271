"""Disclosure statements and credits as translatable messages.

Layers state what disclosure control did in plain English (``Policy.statement``: "Values below
5 are not shown."). The HUD shows it in the visitor's language: each sentence is matched
against the English templates of ``vizkit.privacy.*`` in vizkit's string table and becomes a
:class:`Msg` with the same parameters, so the Swedish screen says "Värden under 5 visas inte."
A sentence no template matches is shown as it is (and logged once), never dropped: what the
screen says must stay exactly what was done.

Credits (:func:`credit_messages`) come from each dataset's provenance — source, "modelled
data" (only when the source name does not already say so), licence, date formatted per locale —
one line per distinct dataset.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from vizkit.text.i18n import Joined, Msg, builtin_strings

log = logging.getLogger("vizkit.text")
PREFIX = "vizkit.privacy."
MODELLED_WORDS = ("modelled", "modeled", "modellerad", "simulated", "synthetic")


PHRASES = PREFIX + "phrase."


def _regex(template: str, whole: bool) -> re.Pattern[str]:
    regex, seen = "", set()
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        regex += re.escape(literal)
        if name:
            regex += f"(?P={name})" if name in seen else f"(?P<{name}>.+?)"
            seen.add(name)
    return re.compile(regex + ("$" if whole else ""))


@lru_cache(maxsize=1)
def _patterns() -> tuple[list[tuple[str, re.Pattern[str]]], list[tuple[str, re.Pattern[str]]]]:
    """(sentences, phrases): English templates of ``vizkit.privacy.*`` as regular expressions,
    most specific first. Sentences end with a full stop; phrases fill their placeholders."""
    table = builtin_strings().tables["en"]
    sentences, phrases = [], []
    for key, template in table.items():
        if key.startswith(PHRASES):
            phrases.append((key, _regex(template, whole=True)))
        elif key.startswith(PREFIX) and template.endswith("."):
            sentences.append((key, _regex(template, whole=False)))
    for found in (sentences, phrases):
        found.sort(key=lambda item: -len(item[1].pattern))
    return sentences, phrases


_unmatched: set[str] = set()


def statement_messages(statement: str) -> list[Msg | str]:
    """The sentences of a disclosure statement as messages (unknown ones as plain text)."""
    rest = statement.strip()
    out: list[Msg | str] = []
    sentences, _ = _patterns()
    while rest:
        for key, pattern in sentences:
            match = pattern.match(rest)
            if match:
                out.append(Msg(key, **{k: _parameter(v) for k, v in match.groupdict().items()}))
                rest = rest[match.end():].lstrip()
                break
        else:
            if rest not in _unmatched:
                _unmatched.add(rest)
                log.warning("no translation for the disclosure statement %r; shown as is", rest)
            out.append(rest)
            break
    return out


def _parameter(text: str) -> Any:
    """A placeholder's value: whole numbers as int (formatted per locale when shown), known
    phrases ("the total over all regions") as messages, anything else as it is."""
    if re.fullmatch(r"\d+", text):
        return int(text)
    for key, pattern in _patterns()[1]:
        match = pattern.match(text)
        if match:
            return Msg(key, **{k: _parameter(v) for k, v in match.groupdict().items()})
    return text


def is_modelled_name(source: str) -> bool:
    lowered = source.lower()
    return any(word in lowered for word in MODELLED_WORDS)


def credit_message(provenance: Any) -> Msg | str | None:
    """One credit line for a dataset: ``Source: SCB · CC0-1.0 · 21 nov. 2026`` as a message.

    Uses the provenance's fields (source, modelled, licence, updated) when it has them, so the
    date follows the language; other objects give their ``attribution()`` or ``str``.
    """
    if provenance is None:
        return None
    source = getattr(provenance, "source", None)
    if source is None and callable(getattr(provenance, "attribution", None)):
        return str(provenance.attribution())
    if source is None:
        return str(provenance)
    parts: list[Any] = [Msg("vizkit.credit.source", source=source or "?")]
    if getattr(provenance, "modelled", False) and not is_modelled_name(str(source)):
        parts.append(Msg("vizkit.credit.modelled"))
    licence = getattr(provenance, "licence", None)
    parts.append(licence if licence else Msg("vizkit.credit.licence_unknown"))
    updated = getattr(provenance, "updated", None)
    if updated:
        parts.append(_date(updated))
    return Joined(parts)


def _date(text: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return str(text)


def credit_messages(provenances: Iterable[Any]) -> list[Msg | str]:
    """One credit per distinct dataset, in order of first appearance."""
    out: list[Msg | str] = []
    seen: set[Any] = set()
    for p in provenances:
        message = credit_message(p)
        if message is None:
            continue
        key = hash(message) if isinstance(message, Msg) else message
        if key not in seen:
            seen.add(key)
            out.append(message)
    return out
