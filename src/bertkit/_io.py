"""Small file helpers shared by the savers: files and whole directories replaced atomically, and
content hashes that tie a saved config to the files it describes.

`replace_directory(directory, write, ...)` is how a predictor or a backbone is saved: ``write``
fills a hidden sibling directory (same parent, so same filesystem), its files and itself are
fsynced, then it takes the place of ``directory`` in one step, so a reader sees the old save or
the new one, never a mix of their files:

- on Linux, ``renameat2(RENAME_EXCHANGE)`` swaps the two directories atomically;
- elsewhere (or on a filesystem without it) the old one is renamed away, the new one renamed in,
  then the old one deleted. A save killed between those two renames leaves no ``directory`` but
  ``.NAME.bertkit-old-ID`` and the complete ``.NAME.bertkit-saving-ID``: `finish_interrupted_save`
  (called by the loaders and by the next save) renames the new one into place;
- a directory that cannot be renamed (a mount point, an unwritable parent) is written in place,
  its marker file (``predictor.json``) deleted first, so that an interrupted save there reads as
  unfinished and the recorded hashes catch any mix.

Files in the old directory that the save does not own (plots, ``validation.json``, a training
``checkpoint/`` folder) are carried over as hard links (copies where links fail). Leftover
``.NAME.bertkit-*`` directories of killed saves are deleted by the next save of ``NAME``; the
loaders refuse to load them by mistake.

Loads check the files against the sizes and SHA-256 hashes their config records
(`file_records` at save, `file_records_checked` at load) and start again if a save replaced the
directory while they ran (`load_consistently`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

from bertkit.errors import BertkitError, CheckpointError, CheckpointNotFoundError

#: name parts of the hidden sibling directories a save works in
_SAVING, _OLD = "saving", "old"
_LEFTOVER = re.compile(
    r"^\.(?P<base>.+)\.bertkit-(?P<kind>saving|old)-(?P<pid>\d+)-(?P<id>[0-9a-f]+)$")
_T = TypeVar("_T")
#: rename errors after which the directory is written in place instead
_NO_RENAME = {errno.EXDEV, errno.EBUSY, errno.EPERM, errno.EACCES, errno.EROFS, errno.EINVAL}


# ---- single files -------------------------------------------------------------------------------


def write_text_atomic(path: str, text: str) -> None:
    """Write UTF-8 text so that readers see the old file or the new one, never half of one (and
    the new one is on disk before it replaces the old)."""
    tmp = path + ".tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_json_atomic(path: str, data: Any) -> None:
    """Write JSON (indented, Chinese kept readable) atomically, as `write_text_atomic`."""
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False))


# ---- content hashes -----------------------------------------------------------------------------


def file_sha256(path: str) -> str:
    """The SHA-256 of a file's bytes, hex (read in chunks; about 70 ms for 90 MB)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def file_records(directory: str, names: Any) -> dict[str, dict[str, Any]]:
    """``{name: {"bytes": size, "sha256": hex}}`` for the files ``names`` of ``directory``."""
    return {name: {"bytes": os.path.getsize(os.path.join(directory, name)),
                   "sha256": file_sha256(os.path.join(directory, name))}
            for name in sorted(names)}


def check_file_records(directory: str, records: Any, config_path: str) -> None:
    """Check that every file ``records`` (from `file_records`, saved in ``config_path``) lists
    is in ``directory`` with that size and hash; the first that is not is an error naming it."""
    if not isinstance(records, dict) or not all(
            isinstance(r, dict) and isinstance(r.get("sha256"), str)
            and os.path.basename(name) == name for name, r in records.items()):
        raise CheckpointError(f"{config_path}: 'files' is not a list of file hashes; the file is "
                              "damaged. Save the model again.")
    for name, record in records.items():
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            raise CheckpointNotFoundError(
                f"{path}: missing, though {config_path} lists it; the save did not finish or "
                "the directory was altered. Save the model again.")
        size = os.path.getsize(path)
        mixed = ("the save was interrupted, or the directory mixes files of two saves; save the "
                 "model again (or restore the files saved with this config)")
        if record.get("bytes") is not None and size != record["bytes"]:
            raise CheckpointError(f"{path}: {size} bytes, but {config_path} records "
                                  f"{record['bytes']}: the file is truncated or replaced; {mixed}.")
        if file_sha256(path) != record["sha256"]:
            raise CheckpointError(f"{path}: its SHA-256 is not the one {config_path} records: "
                                  f"the file does not belong with this config; {mixed}.")


@contextmanager
def file_records_checked(directory: str, records: Any, config_path: str) -> Iterator[None]:
    """`check_file_records` in a thread while the body runs (builds the model: longer than
    hashing, which takes about 70 ms for 90 MB); the check's error, if any, is raised rather
    than the body's. ``records`` None (a save from before bertkit recorded them): no check."""
    if records is None:
        yield
        return
    with ThreadPoolExecutor(1, thread_name_prefix="bertkit-hash") as pool:
        pending = pool.submit(check_file_records, directory, records, config_path)
        try:
            yield
        except BaseException:
            pending.result()  # files of another save explain the body's failure best
            raise
        pending.result()


def _identity(directory: str) -> tuple[int, int] | None:
    try:
        status = os.stat(directory)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def load_consistently(directory: str, load: Callable[[], _T], attempts: int = 3) -> _T:
    """``load()``, run again if a save replaced ``directory`` meanwhile (the path then names
    another directory), so that a load never combines files of two saves: a file's hash checked
    in the old directory, its bytes read from the new one."""
    for _ in range(attempts):
        before = _identity(directory)
        try:
            result = load()
        except BertkitError:
            if _identity(directory) == before:
                raise
            continue
        if _identity(directory) == before:
            return result
    raise CheckpointError(f"{directory}: replaced by another save {attempts} times while it was "
                          "loading; load it once the saves are done.")


# ---- whole directories --------------------------------------------------------------------------


def _fsync_path(path: str, directory: bool = False) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    except OSError:
        if directory:  # some systems cannot open a directory; its entries are synced with it
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


def _fsync_tree(root: str) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            if not os.path.islink(os.path.join(folder, name)):
                _fsync_path(os.path.join(folder, name))
        _fsync_path(folder, directory=True)


def _renameat2() -> Any:
    if os.name != "posix":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _renameat2()
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: str, b: str) -> bool:
    """Swap the paths ``a`` and ``b`` atomically; False where the system cannot."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, getattr(errno, "ENOTSUP", errno.EINVAL)):
        return False
    raise OSError(code, os.strerror(code), b)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but is not ours, or we cannot tell
        return True
    return True


def _leftovers(target: str) -> list[tuple[str, str, int, str]]:
    """``(path, kind, pid, id)`` of the hidden sibling directories of saves of ``target``."""
    parent, base = os.path.split(target)
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    found = []
    for name in names:
        match = _LEFTOVER.match(name)
        if match and match["base"] == base:
            found.append((os.path.join(parent, name), match["kind"], int(match["pid"]),
                          match["id"]))
    return found


def is_save_leftover(directory: str | os.PathLike) -> str | None:
    """For a temporary directory of a (killed) save, the directory it was saving; else None."""
    path = os.path.abspath(os.fspath(directory))
    match = _LEFTOVER.match(os.path.basename(path))
    return os.path.join(os.path.dirname(path), match["base"]) if match else None


def finish_interrupted_save(directory: str | os.PathLike) -> bool:
    """If a save of ``directory`` was killed between renaming the old directory away and the new
    one in, rename the new (complete) one into place — or the old one back where there is no
    new one. True if it did; a `CheckpointError` says what to do if the rename is refused."""
    target = os.path.abspath(os.fspath(directory))
    if os.path.lexists(target):
        return False
    leftovers = _leftovers(target)
    olds = {ident: path for path, kind, _, ident in leftovers if kind == _OLD}
    news = {ident: path for path, kind, _, ident in leftovers if kind == _SAVING}
    for ident, old in olds.items():
        source = news.get(ident, old)
        try:
            os.rename(source, target)
        except OSError as err:
            if os.path.isdir(target):
                return True  # the save itself (or another reader) just finished it
            raise CheckpointNotFoundError(
                f"{target}: missing, because a save into it was interrupted; the complete "
                f"directory is {source} (the previous one: {old}). Rename it back "
                f"(mv '{source}' '{target}'): this process could not ({err}).") from None
        _fsync_path(os.path.dirname(target), directory=True)
        return True
    return False


def _remove_leftovers(target: str) -> None:
    for path, _, pid, _ in _leftovers(target):
        if not _pid_alive(pid):  # a live one may be another process's save, still running
            shutil.rmtree(path, ignore_errors=True)


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _carry_over(old: str, new: str, owned: Callable[[str], bool]) -> None:
    """Link into ``new`` what ``old`` holds that the save neither wrote nor owns."""
    for entry in os.scandir(old):
        destination = os.path.join(new, entry.name)
        if owned(entry.name) or os.path.lexists(destination):
            continue
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), destination)
        elif entry.is_dir():
            shutil.copytree(entry.path, destination, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry.path, destination)


class _CannotRename(Exception):
    """The directory cannot be replaced by rename: write it in place."""


def _swap_in(staging: str, target: str, ident: str) -> str | None:
    """Put ``staging`` at ``target``; returns what is left to delete (the old directory)."""
    parent = os.path.dirname(target)
    if not os.path.lexists(target):
        os.rename(staging, target)
        _fsync_path(parent, directory=True)
        return None
    try:
        if _exchange(staging, target):
            _fsync_path(parent, directory=True)
            return staging
        old = os.path.join(parent, f".{os.path.basename(target)}.bertkit-{_OLD}-{ident}")
        os.rename(target, old)
    except OSError as err:
        if err.errno in _NO_RENAME:
            raise _CannotRename(str(err)) from err
        raise
    _fsync_path(parent, directory=True)
    try:
        os.rename(staging, target)
    except FileNotFoundError:
        if not os.path.isdir(target):  # else a loader finished this save for us
            raise
    _fsync_path(parent, directory=True)
    return old


def _write_in_place(target: str, write: Callable[[str], None], marker: str,
                    log: logging.Logger, why: str) -> None:
    log.warning("%s: cannot replace the directory as a whole (%s); writing into it in place. "
                "An interrupted save leaves it unfinished (loading it says so).", target, why)
    os.makedirs(target, exist_ok=True)
    if os.path.lexists(os.path.join(target, marker)):
        os.remove(os.path.join(target, marker))
        _fsync_path(target, directory=True)
    write(target)
    _fsync_tree(target)


def replace_directory(directory: str | os.PathLike, write: Callable[[str], None], *,
                      marker: str, owned: Callable[[str], bool],
                      log: logging.Logger) -> str:
    """Save into ``directory`` atomically (see the module docstring): ``write(path)`` writes the
    files, ``marker`` last (the file whose presence says the save is complete); ``owned(name)``
    says which names of an old directory belong to the format, so are not carried over.
    Returns ``directory``; an `OSError` is reported as a `CheckpointError` naming it."""
    given = os.fspath(directory)
    target = os.path.realpath(os.path.abspath(given))
    parent, base = os.path.split(target)
    try:
        os.makedirs(parent, exist_ok=True)
        finish_interrupted_save(target)
        _remove_leftovers(target)
        if os.path.lexists(target) and not os.path.isdir(target):
            raise CheckpointError(f"{target}: exists and is not a directory; pass a directory "
                                  "path (a new one, or a previous save to replace).")
        ident = f"{os.getpid()}-{secrets.token_hex(4)}"
        staging = os.path.join(parent, f".{base}.bertkit-{_SAVING}-{ident}")
        try:
            os.mkdir(staging)
        except OSError as err:
            _write_in_place(target, write, marker, log, str(err))
            return given
        try:
            cwd = os.getcwd()
        except OSError:
            cwd = ""
        try:
            write(staging)
            _fsync_tree(staging)
            if os.path.isdir(target):
                _carry_over(target, staging, owned)
            _fsync_path(staging, directory=True)
            leftover = _swap_in(staging, target, ident)
        except _CannotRename as err:
            shutil.rmtree(staging, ignore_errors=True)
            _write_in_place(target, write, marker, log, str(err))
            return given
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if cwd == target or cwd.startswith(target + os.sep):
            try:  # the process's working directory was in the old one: follow the new
                os.chdir(cwd)
            except OSError:
                pass
        if leftover is not None:
            shutil.rmtree(leftover, ignore_errors=True)
    except OSError as err:
        if isinstance(err, BertkitError):
            raise
        raise CheckpointError(f"{given}: the save failed ({err}); check that the folder is "
                              "writable and has space, then save again.") from err
    return given
