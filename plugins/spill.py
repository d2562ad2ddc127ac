"""Text parked on disk between two build events, compressed, so memory stays bounded.

MkDocs renders every page's Markdown before it writes the first page, and the knowledge base
holds every entry's body from loading until its page is rendered: at 100,000 entries each of
these is hundreds of megabytes held for the whole build. Parked here they cost a few bytes of
index per page; reading one back is a single `pread` from the page cache.
"""

from __future__ import annotations

import os
import tempfile
import zlib


class Spill:
    """Strings by key in an anonymous temporary file (gone when closed or when the process ends)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="defectkb-")  # noqa: SIM115 - lives as long as the build
        self._fd = self._file.fileno()
        self._end = 0
        self._index: dict[str, tuple[int, int]] = {}

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def put(self, key: str, text: str) -> None:
        data = zlib.compress(text.encode("utf-8"), 1)  # level 1: a fifth of the size, at disk speed
        os.pwrite(self._fd, data, self._end)
        self._index[key] = (self._end, len(data))
        self._end += len(data)

    def get(self, key: str) -> str | None:
        where = self._index.get(key)
        if where is None:
            return None
        offset, size = where
        return zlib.decompress(os.pread(self._fd, size, offset)).decode("utf-8")

    def pop(self, key: str) -> str | None:
        text = self.get(key)
        self._index.pop(key, None)  # the bytes stay in the file until it is closed: it is written once
        return text

    def close(self) -> None:
        self._index.clear()
        self._file.close()
