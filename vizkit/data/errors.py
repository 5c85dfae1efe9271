"""The one exception every reader raises on bad input.

Readers never return a silently partial result: when a file cannot be read as promised they raise
:class:`DataError`, whose message names the file, the field (a JSON path such as ``size[2]`` or a
column name) and, where useful, the offending value.
"""

from __future__ import annotations

from os import PathLike

_MAX_VALUE_CHARS = 80


class DataError(ValueError):
    """A data file (or in-memory document) that cannot be read as promised.

    Attributes:
        file: Path of the file, or ``"<dict>"`` for an in-memory document.
        field: Where in the file the problem is, e.g. ``"size[2]"``, ``"dimension.Tid"``,
            ``"features[3].properties.kommun"`` or a CSV column name.
        value: The offending value (shortened in the message), or ``None``.
        reason: What is wrong, in words.
    """

    def __init__(self, file: str | PathLike[str] | None, field: str, reason: str,
                 value: object = None) -> None:
        self.file = str(file) if file is not None else "<dict>"
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"{self.file}: field {self.field!r}: {self.reason}"
        if self.value is not None:
            shown = repr(self.value)
            if len(shown) > _MAX_VALUE_CHARS:
                shown = shown[: _MAX_VALUE_CHARS - 3] + "..."
            text += f" (value {shown})"
        return text

    def __reduce__(self) -> tuple[object, ...]:  # keep picklable with the custom signature
        return (type(self), (self.file, self.field, self.reason, self.value))
