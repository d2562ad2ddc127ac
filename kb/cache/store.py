"""Where cached results live and how they are trusted.

`.kb_cache/` sits next to kb.yml (or beside the content folder when there is none). Records are
grouped in shards by a hash of the file's path, one file per shard, so an edit to one entry
rewrites one small shard rather than the whole cache (ruff keeps one file per package for the
same reason). A shard is written to a temporary file and renamed over the old one, so readers see
the old shard or the new one, never half of one; each carries a checksum of its payload and the
cache key, and anything that does not check out (truncated, garbled, from another version or
configuration, unpicklable) is ignored and rebuilt. Every record is also keyed by the file's
content hash, so a file edited without changing its size or time is never taken from the cache.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import defectkb
from defectkb.userdirs import user_cache_dir

CACHE_DIR = ".kb_cache"
FORMAT = 4  # bump when the record layout changes
SHARDS = 256
_MAGIC = b"DKBC"
_SUM = 16  # bytes of the blake2b checksum after the magic
RESULTS = "results.dat"  # results over the whole knowledge base (near-duplicate titles), as a shard


def digest(data: bytes) -> bytes:
    """A keyed checksum: only this machine's user can make one that `_read` accepts.

    Shards are pickles, and the working copy they sit in may come from an untrusted pull request:
    a `.kb_cache/` committed into one (with `git add -f`) must never be unpickled. The key lives in
    the user's cache folder, outside every repository, so such shards fail the check and are
    ignored like any other damaged shard.
    """
    return hashlib.blake2b(data, digest_size=16, key=_given or _secret()).digest()


_given: bytes | None = None


def secret() -> bytes:
    """This user's key (for handing to the processes that fill the cache with this one)."""
    return _given or _secret()


def use_secret(key: bytes) -> None:
    """Sign and check with `key`, the key of the process that started this one: processes filling
    one cache together must agree on it even where no key file can be written."""
    global _given
    _given = key


@functools.cache
def _secret() -> bytes:
    base = user_cache_dir()
    path = base / "cache-secret"
    try:
        secret = path.read_bytes()
        if len(secret) == 32:
            return secret
    except OSError:
        pass
    secret = os.urandom(32)
    try:
        base.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secret)
    except OSError:
        pass  # no writable home: this process's key only, so nothing is reused across runs (still safe)
    return secret


def cache_home(root: Path) -> Path:
    """`.kb_cache` next to the kb.yml that governs `root`, else next to the content folder."""
    from defectkb.config import find_config

    config_path = find_config(root)
    return (config_path.parent if config_path is not None else root.parent) / CACHE_DIR


@functools.cache
def code_fingerprint() -> str:
    """The installed code: its version, and its files' sizes and times, so that a source checkout
    edited in place (same version number) never reuses results of the code it replaced."""
    package = Path(defectkb.__file__).resolve().parent
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*.py")):
        try:
            st = path.stat()
        except OSError:
            continue
        h.update(f"{path.relative_to(package)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()


def cache_key(config_json: str) -> str:
    """Everything that changes per-file results: format, tool version and code, configuration."""
    text = f"{FORMAT}\0{defectkb.__version__}\0{code_fingerprint()}\0{config_json}"
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class ValidationCache:
    """Records by path (relative to the content folder), each checked against the file's hash.

    Every operation that touches the disk degrades to "no cache" on failure: a read-only or full
    disk makes runs slower, never wrong and never noisy.
    """

    def __init__(self, directory: Path, root: Path, key: str) -> None:
        # One folder per content folder: two knowledge bases sharing a kb.yml folder keep their own.
        self.folder = directory / hashlib.blake2b(str(root).encode("utf-8"), digest_size=8).hexdigest()
        self.directory = directory
        self.key = key
        self.enabled = True
        self.hits = 0
        self.misses = 0
        self._shards: dict[int, dict[str, Any]] = {}
        self._seen: dict[int, set[str]] = {}
        self._dirty: set[int] = set()
        self._results: dict[str, Any] | None = None
        self._results_dirty = False

    @staticmethod
    @functools.lru_cache(maxsize=1 << 18)  # every run asks for every path: a preview, run after run
    def shard_of(rel: str) -> int:
        return hashlib.blake2b(rel.encode("utf-8"), digest_size=2).digest()[0] % SHARDS

    def _shard(self, n: int) -> dict[str, Any]:
        shard = self._shards.get(n)
        if shard is None:
            shard = self._shards[n] = self._read(self.folder / f"{n:02x}.bin")
        return shard

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            blob = path.read_bytes()
        except OSError:
            return {}
        if len(blob) < len(_MAGIC) + _SUM or not blob.startswith(_MAGIC):
            return {}
        payload = blob[len(_MAGIC) + _SUM:]
        if digest(payload) != blob[len(_MAGIC):len(_MAGIC) + _SUM]:
            return {}
        collecting = gc.isenabled()
        gc.disable()  # unpickling makes many objects and no cycles: collections would only cost time
        try:
            key, records = pickle.loads(payload)
        except Exception:  # a cache is never worth a crash: any unpickling problem means "empty"
            return {}
        finally:
            if collecting:
                gc.enable()
        if key != self.key or not isinstance(records, dict):
            return {}
        return records

    def get(self, rel: str, content: bytes, kind: str) -> Any | None:
        """The record stored for this path if it was made from these very bytes, in this folder kind."""
        n = self.shard_of(rel)
        self._seen.setdefault(n, set()).add(rel)
        record = self._shard(n).get(rel)
        if record is not None and record[0] == content and record[1] == kind:
            self.hits += 1
            return record
        self.misses += 1
        return None

    def peek(self, rel: str) -> Any | None:
        """The record stored for this path, unchecked: the caller checks it against the file's status."""
        return self._shard(self.shard_of(rel)).get(rel)

    def trust(self, rel: str) -> None:
        """The caller used the record of `rel` (its file's status vouched for it)."""
        self._seen.setdefault(self.shard_of(rel), set()).add(rel)
        self.hits += 1

    def result(self, name: str, key: str) -> Any | None:
        """A result over the whole knowledge base (see `keep_result`), if it was made from inputs
        with this digest."""
        if self._results is None:
            self._results = self._read(self.folder / RESULTS)
        found = self._results.get(name)
        return found[1] if isinstance(found, tuple) and len(found) == 2 and found[0] == key else None

    def keep_result(self, name: str, key: str, value: Any) -> None:
        """Keep a result over the whole knowledge base, with the digest of everything it depends on
        (beyond the cache key: code and configuration)."""
        if self._results is None:
            self._results = self._read(self.folder / RESULTS)
        self._results[name] = (key, value)
        self._results_dirty = True

    def put(self, rel: str, record: Any) -> None:
        n = self.shard_of(rel)
        self._shard(n)[rel] = record
        self._seen.setdefault(n, set()).add(rel)
        self._dirty.add(n)

    def seen(self, rel: str) -> None:
        """The file exists (its record came from elsewhere): keep its record when saving."""
        self._seen.setdefault(self.shard_of(rel), set()).add(rel)

    def save(self) -> None:
        """Write the shards that changed, dropping records of files no longer there."""
        for n, shard in self._shards.items():
            seen = self._seen.get(n, set())
            if shard.keys() - seen:
                for rel in shard.keys() - seen:
                    del shard[rel]
                self._dirty.add(n)
        if not (self._dirty or self._results_dirty) or not self.enabled:
            return
        try:
            self.prepare()
            for n in sorted(self._dirty):
                shard, restored = self._restored(n)
                self._write(self.folder / f"{n:02x}.bin", shard)
                for record in restored:  # slim again: memory holds one restored shard at a time
                    self.slim(record)
            if self._results_dirty and self._results is not None:
                self._write(self.folder / RESULTS, self._results)
        except OSError:
            self.enabled = False  # not writable: this run simply did not cache
        self._dirty.clear()
        self._results_dirty = False

    @staticmethod
    def slim(record: Any) -> None:
        """Let go of a record's parse and schema results once its entry is made (the entry holds
        what it needs): `kb validate` then does not hold them for every file until the end. If the
        record's shard must be written after all, `save` takes them from the shard on disk."""
        record[2] = record[3] = None

    def _restored(self, n: int) -> tuple[dict[str, Any], list[Any]]:
        """Shard `n` with slimmed records made whole again from the shard as written: only from a
        record of the same bytes and folder kind; a record that cannot be restored is left out
        (its file is parsed again next time). Also the records restored."""
        shard = self._shards.get(n, {})
        slimmed = [rel for rel, record in shard.items() if record[2] is None]
        if not slimmed:
            return shard, []
        written = self._read(self.folder / f"{n:02x}.bin")
        restored = []
        for rel in slimmed:
            record, old = shard[rel], written.get(rel)
            if old is not None and old[2] is not None and old[0] == record[0] and old[1] == record[1]:
                record[2], record[3] = old[2], old[3]
                restored.append(record)
            else:
                del shard[rel]
        return shard, restored

    def prepare(self) -> None:
        """Make the cache's folders (and, the first time, its .gitignore and CACHEDIR.TAG)."""
        new = not self.directory.is_dir()
        self.folder.mkdir(parents=True, exist_ok=True)
        if new:
            # Ignored by git even where .gitignore does not say so; skipped by backup tools.
            (self.directory / ".gitignore").write_text("# made by kb validate; safe to delete\n*\n",
                                                        encoding="utf-8")
            (self.directory / "CACHEDIR.TAG").write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n# DefectKB validation cache; safe to delete\n",
                encoding="utf-8")

    def _write(self, path: Path, records: dict[str, Any]) -> None:
        if not records:
            path.unlink(missing_ok=True)
            return
        payload = pickle.dumps((self.key, records), protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_MAGIC + digest(payload) + payload)
            os.replace(tmp, path)  # atomic: a concurrent reader sees the old shard or the new one
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
