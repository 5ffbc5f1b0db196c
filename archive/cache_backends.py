"""A per-worker memory cache bounded by bytes as well as by entries.

Django's LocMemCache counts entries only: at 65 KB a page, its default cap of thousands of
entries lets a stream of distinct URLs grow a worker by hundreds of megabytes. This one also
keeps the total size of what it holds under ``MAX_BYTES``, dropping the least recently used
entries first, and never keeps a single value larger than ``MAX_ENTRY_BYTES``.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache

_sizes: dict[str, dict[str, int]] = {}
_totals: dict[str, list[int]] = {}


class BoundedLocMemCache(LocMemCache):
    # LocMemCache's own state, which django-stubs does not declare.
    _cache: OrderedDict[str, bytes]
    _expire_info: dict[str, float | None]
    _lock: Lock

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        super().__init__(name, params)
        options = params.get("OPTIONS", {})
        self.max_bytes = int(options.get("MAX_BYTES", 64 * 2**20))
        self.max_entry_bytes = int(options.get("MAX_ENTRY_BYTES", 4 * 2**20))
        self._sizes = _sizes.setdefault(name, {})
        self._total = _totals.setdefault(name, [0])  # a list: shared by every instance

    @property
    def total_bytes(self) -> int:
        return self._total[0]

    def _set(self, key: str, value: bytes, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self._delete(key)
        size = len(value)
        if size > self.max_entry_bytes:
            return  # too large to keep: the caller computes it again next time
        while self._cache and self._total[0] + size > self.max_bytes:
            self._drop_least_recent()
        super()._set(key, value, timeout)  # type: ignore[misc]  # private, absent from django-stubs
        self._sizes[key] = size
        self._total[0] += size

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        value = super().incr(key, delta, version)
        internal = self.make_and_validate_key(key, version=version)
        with self._lock:
            size = len(self._cache[internal])
            self._total[0] += size - self._sizes.get(internal, 0)
            self._sizes[internal] = size
        return value

    def _drop_least_recent(self) -> None:
        key, _ = self._cache.popitem()  # the end holds the least recently used
        self._expire_info.pop(key, None)
        self._total[0] -= self._sizes.pop(key, 0)

    def _cull(self) -> None:
        count = (
            len(self._cache)
            if self._cull_frequency == 0
            else (len(self._cache) // self._cull_frequency)
        )
        for _ in range(max(count, 1)):
            if not self._cache:
                break
            self._drop_least_recent()

    def _delete(self, key: str) -> bool:
        self._total[0] -= self._sizes.pop(key, 0)
        deleted: bool = super()._delete(key)  # type: ignore[misc]  # private, absent from django-stubs
        return deleted

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._sizes.clear()
            self._total[0] = 0
