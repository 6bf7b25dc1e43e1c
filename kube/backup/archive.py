"""The backup file: a magic line, the manifest as canonical JSON, a SHA-256 of both, then the data; every byte checked.

    KUBE-BACKUP 1\\n
    {"created_at":"...","data":{"sha256":"...","size":N},"dialect":"sqlite",...}\\n
    <64 hex digits: SHA-256 of the two lines above>\\n
    <N bytes: the SQLite database file, or pg_dump's custom-format archive>

One plain file, so it can be copied anywhere with any tool. Not tar or zip: their padding and
headers hold bytes no checksum covers. Here the first three lines are covered by the header's own
SHA-256 (and the manifest must also be the canonical serialisation of what it parses to), and the
data by the size and SHA-256 the manifest gives: changing, adding or removing any byte is refused.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

MAGIC = b"KUBE-BACKUP 1\n"
FORMAT_VERSION = 1
SUFFIX = ".kubebackup"
#: A manifest line longer than this is no Kube manifest: reading stops there instead of filling memory.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_HEX = frozenset("0123456789abcdef")


class BackupError(Exception):
    """A backup could not be written, read, verified or restored; the message is meant for the operator."""


def canonical_json(value) -> bytes:
    """The one serialisation of a manifest: sorted keys, no spaces, ASCII only."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def file_digest(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size in bytes of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _header(manifest: dict) -> bytes:
    lines = MAGIC + canonical_json(manifest) + b"\n"
    return lines + hashlib.sha256(lines).hexdigest().encode("ascii") + b"\n"


def write_archive(out: Path, manifest: dict, data: Path) -> tuple[str, int]:
    """Write `manifest` (plus the data's hash and size) and `data` into the new file `out`; returns its SHA-256 and size.

    Written to a hidden file next to `out` and renamed at the end, so an interrupted backup never
    leaves half a file under a backup's name.
    """
    data_sha256, data_size = file_digest(data)
    manifest = {**manifest, "format": FORMAT_VERSION, "data": {"sha256": data_sha256, "size": data_size}}
    header = _header(manifest)
    whole, copied = hashlib.sha256(header), hashlib.sha256()
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        # Readable by its owner only: a backup holds every member's NIK.
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as target, \
                open(data, "rb") as source:
            target.write(header)
            while chunk := source.read(_CHUNK):
                copied.update(chunk)
                whole.update(chunk)
                target.write(chunk)
            target.flush()
            os.fsync(target.fileno())
        # The data is read twice (hash, then copy): the second read must see the very same bytes.
        if copied.hexdigest() != data_sha256:
            raise BackupError("the snapshot changed while it was being written; nothing was kept, try again")
        if out.exists():
            raise BackupError(f"{out} appeared while the backup was written; nothing was overwritten")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return whole.hexdigest(), len(header) + data_size


def _valid_manifest(manifest) -> bool:
    """Whether the manifest has every field restore reads, of the right kind (the checksum proves no intent)."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        return False
    data = manifest.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("size"), int) or data["size"] < 0:
        return False
    sha = data.get("sha256")
    tables, letters = manifest.get("tables"), manifest.get("letters")
    return (isinstance(sha, str) and len(sha) == 64 and set(sha) <= _HEX
            and isinstance(manifest.get("dialect"), str)
            and isinstance(manifest.get("revision"), (str, type(None)))
            and isinstance(manifest.get("trial_balance"), (dict, type(None)))
            and isinstance(tables, dict) and all(isinstance(rows, int) for rows in tables.values())
            and isinstance(letters, dict)
            and all(isinstance(facts, dict) and {"number", "sha256"} <= facts.keys() for facts in letters.values()))


def read_archive(path: Path, data_out: Path) -> dict:
    """Check every byte of the backup file at `path`, copying its data to `data_out`; returns the manifest.

    Raises BackupError, saying what is wrong, for anything but an intact Kube backup.
    """
    damaged = "the file is damaged or was changed after the backup was made"
    with open(path, "rb") as source:
        magic = source.read(len(MAGIC))
        if magic != MAGIC:
            if magic.startswith(b"KUBE-BACKUP "):
                raise BackupError(f"the first line is {magic!r}, this Kube reads {MAGIC!r}: {damaged}, "
                                  "or it was written by another version of Kube")
            raise BackupError(f"this is not a Kube backup (it does not start with {MAGIC!r})")
        line = source.readline(MAX_MANIFEST_BYTES + 1)
        if not line.endswith(b"\n"):
            raise BackupError(f"the manifest line is cut off or too long: {damaged}")
        try:
            manifest = json.loads(line)
        except ValueError:
            raise BackupError(f"the manifest is not valid JSON: {damaged}") from None
        # Any other spelling of the same values (spaces, key order, escapes) would be bytes no check covers.
        if canonical_json(manifest) + b"\n" != line:
            raise BackupError(f"the manifest is not written the way Kube writes it: {damaged}")
        expected = hashlib.sha256(magic + line).hexdigest().encode("ascii") + b"\n"
        if source.read(len(expected)) != expected:
            raise BackupError(f"the manifest does not match its SHA-256 line: {damaged}")
        if not _valid_manifest(manifest):
            raise BackupError("the manifest lacks fields Kube needs (format, dialect, revision, tables, trial "
                              "balance, letters, data size and hash)")
        digest, size = hashlib.sha256(), 0
        with open(data_out, "wb") as target:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
    wanted = manifest["data"]
    if size != wanted["size"]:
        raise BackupError(f"the data is {size:,} bytes but the manifest says {wanted['size']:,}: "
                          "the file is cut off or has bytes added")
    if digest.hexdigest() != wanted["sha256"]:
        raise BackupError(f"the data does not match the SHA-256 in the manifest: {damaged}")
    return manifest
