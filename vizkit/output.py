"""Output files of a render: which paths, which folders, written whole or not at all (GL-free).

* :func:`frame_paths` and :func:`check_output` turn ``--out`` into one path per frame and refuse
  what cannot work *before* anything renders (a wrong suffix, a pattern without an integer
  field, an odd video size, a missing or read-only folder). A missing folder is never created
  silently: only the folder of a ``%04d`` frame pattern may be made, and only inside a folder
  that exists (:func:`folders_to_create`).
* :func:`atomic_write` is the one write-then-rename: a file appears under its real name complete
  or not at all, so an interrupted run never leaves a half-written frame or video.
* :func:`pending_frames` is the one resume rule: a frame whose file exists and is not empty is
  done.
* :func:`writing` turns an ``OSError`` while writing (permission denied, a full disk, a read-only
  file system) into one :class:`OutputError` line naming the file.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

VIDEO_SUFFIXES = (".mp4",)
FRAME_SUFFIX = ".png"

_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "the disk is full (no space left on device)",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
}


class OutputError(ValueError):
    """The output path cannot hold what was asked for, or could not be written."""


def is_video(out: str | Path) -> bool:
    return Path(str(out)).suffix.lower() in VIDEO_SUFFIXES


def is_sequence(out: str | Path) -> bool:
    """``out`` is a frame pattern such as ``frames/f_%04d.png``."""
    return "%" in str(out) and not is_video(out)


def frame_paths(out: str | Path, frames: int) -> list[Path]:
    """Output file per frame: ``out`` itself for one frame, ``out % i`` for a sequence."""
    text = str(out)
    if frames < 1:
        raise OutputError(f"--frames must be at least 1, got {frames}")
    if "%" in text:
        try:
            paths = [Path(text % i) for i in range(frames)]
        except (TypeError, ValueError):
            raise OutputError(f"{text}: the frame pattern must hold one integer field such "
                              f"as %04d") from None
        if frames > 1 and paths[0] == paths[1]:
            raise OutputError(f"{text}: the frame pattern must hold one integer field such "
                              f"as %04d")
        return paths
    if frames > 1:
        stem = Path(text)
        raise OutputError(f"{text}: {frames} frames need a numbered pattern, e.g. "
                          f"{stem.with_name(stem.stem + '_%04d' + stem.suffix)}, or a .mp4")
    return [Path(text)]


def check_output(out: str | Path, frames: int, frame_size: tuple[int, int]) -> list[Path]:
    """Raise :class:`OutputError` when ``out`` cannot hold ``frames`` frames of
    ``frame_size`` (before anything renders); return the folders that will be created."""
    text = str(out)
    if is_video(text):
        if "%" in text:
            raise OutputError(f"{text}: a video is one file; drop the %-pattern")
        width, height = frame_size
        if width % 2 or height % 2:
            raise OutputError(f"{text}: H.264 video needs an even width and height, got "
                              f"{width}x{height}")
        return folders_to_create(text, [Path(text)])
    paths = frame_paths(text, frames)
    wrong = sorted({p.suffix or "(none)" for p in paths if p.suffix.lower() != FRAME_SUFFIX})
    if wrong:
        raise OutputError(f"{text}: write .png frames (one, or a %04d pattern) or a .mp4 "
                          f"video, not {', '.join(wrong)}")
    return folders_to_create(text, paths)


def folders_to_create(out: str | Path, paths: Sequence[Path], *,
                      may_create: bool | None = None) -> list[Path]:
    """The folders of ``paths`` that are missing and may be created: only a frame pattern's
    own folders (or, with ``may_create``, the output's own folder), and only inside an
    existing, writable folder. Anything else missing, not a folder, or not writable raises
    :class:`OutputError` naming it."""
    if may_create is None:
        may_create = is_sequence(out)
    create: list[Path] = []
    for folder in dict.fromkeys(path.parent for path in paths):
        where = folder
        if where.is_dir():
            _check_writable(out, where)
            continue
        if where.exists():
            raise OutputError(f"{out}: {where} is not a folder")
        if not may_create:
            raise OutputError(f"{out}: the folder {where} does not exist (create it first)")
        inside = where.parent
        if not inside.is_dir():
            raise OutputError(f"{out}: the folder {inside} does not exist (vizkit creates "
                              f"only the output's own folder, {where.name}/, inside an "
                              f"existing folder)")
        _check_writable(out, inside)
        create.append(where)
    return create


def _check_writable(out: str | Path, folder: Path) -> None:
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: cannot write into {folder} (permission denied)")


def make_folders(folders: Sequence[Path]) -> None:
    """Create the folders :func:`folders_to_create` allowed (one level each)."""
    for folder in folders:
        with writing(folder):
            folder.mkdir(exist_ok=True)


def pending_frames(paths: Sequence[Path], *, overwrite: bool = False,
                   indices: Sequence[int] | None = None) -> list[int]:
    """Frame indices still to render (of ``indices``, default all): a frame whose file exists
    and is not empty is done — unless ``overwrite``. This is what makes a rerun resume."""
    todo = range(len(paths)) if indices is None else indices
    if overwrite:
        return list(todo)
    return [i for i in todo if not (paths[i].is_file() and paths[i].stat().st_size > 0)]


def describe_os_error(path: str | Path, exc: OSError) -> str:
    """One line for an ``OSError`` raised while writing ``path``."""
    reason = _REASONS.get(exc.errno) if exc.errno is not None else None
    if reason is None:
        text = str(exc).strip()
        reason = exc.strerror or (text.splitlines()[0] if text else type(exc).__name__)
    return f"{path}: cannot write: {reason}"


@contextlib.contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """Turn an ``OSError`` inside the block into one :class:`OutputError` line naming ``path``."""
    try:
        yield
    except OSError as exc:
        raise OutputError(describe_os_error(path, exc)) from exc


@contextlib.contextmanager
def atomic_write(path: Path) -> Iterator[Path]:
    """Write ``path`` whole or not at all: the block writes the temporary path it is given
    (hidden, next to ``path``), which is renamed to ``path`` when the block succeeds and
    removed when it fails. ``OSError`` becomes :class:`OutputError` (:func:`writing`)."""
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        with writing(path):
            yield partial
            os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise
