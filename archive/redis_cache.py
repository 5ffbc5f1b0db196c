"""Redis as the shared cache, without making Redis a thing the site cannot answer without.

Django's RedisCache raises when Redis cannot be reached: every public page would then fail
while Redis restarts. Everything this project keeps in the cache can be computed again from
the database (pages, the publication generation), so ``DegradingRedisCache`` answers a failed
operation as a miss instead: ``get`` returns the default, ``add`` and ``delete`` return False,
``set`` does nothing. The site keeps answering from the database, slower, and uses Redis again
as soon as it answers. The first failure of an outage is logged as a warning (per process),
the return of Redis as an info line with the number of operations that failed meanwhile.

After a failure the process leaves Redis alone for ``RETRY_AFTER`` seconds (params, default
1), so that a Redis that hangs rather than refuses costs one timeout a second, not one per
operation. A Redis that was cut off rather than restarted comes back with what it held, and
may have missed a write meanwhile (a publication announcing its new generation): the keys
named in ``FORGET_AFTER_OUTAGE`` (params) are deleted when Redis answers again, so that they
are read again from the database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)

_failures: dict[str, list[int]] = {}  # operations failed since Redis last answered
_retry_at: dict[str, list[float]] = {}  # when to try Redis again (time.monotonic())
_lock = threading.Lock()


class DegradingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self.retry_after = float(params.get("RETRY_AFTER", 1.0))
        self.forget_after_outage = list(params.get("FORGET_AFTER_OUTAGE", []))
        # Django makes one instance per thread: the state is the process's, per server.
        self._failures = _failures.setdefault(server, [0])
        self._retry_at = _retry_at.setdefault(server, [0.0])

    def _attempt[T](self, operation: str, call: Callable[[], T], fallback: T) -> T:
        if self._retry_at[0] and time.monotonic() < self._retry_at[0]:
            return fallback
        try:
            if self._failures[0]:
                self._recover()  # before the call: its answer may be what Redis missed
            return call()
        except UNAVAILABLE as error:
            with _lock:
                self._failures[0] += 1
                first = self._failures[0] == 1
                self._retry_at[0] = time.monotonic() + self.retry_after
            if first:
                logger.warning(
                    "The cache is unavailable (%s failed: %s): answering from the database "
                    "until it returns",
                    operation,
                    error,
                )
            return fallback

    def _recover(self) -> None:
        """Forget what Redis may have missed (which also shows that it answers), or ask it
        whether it answers; raises if it does not."""
        if self.forget_after_outage:
            RedisCache.delete_many(self, self.forget_after_outage)
        else:
            self._cache.get_client(write=True).ping()
        with _lock:
            failures, self._failures[0] = self._failures[0], 0
            self._retry_at[0] = 0.0
        if failures:
            logger.info("The cache is available again (%d operations failed meanwhile)", failures)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._attempt("get", lambda: RedisCache.get(self, key, default, version), default)

    def add(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        return self._attempt(
            "add", lambda: RedisCache.add(self, key, value, timeout, version), False
        )

    def set(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        self._attempt("set", lambda: RedisCache.set(self, key, value, timeout, version), None)

    def touch(
        self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._attempt("touch", lambda: RedisCache.touch(self, key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._attempt("delete", lambda: RedisCache.delete(self, key, version), False)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._attempt("get_many", lambda: RedisCache.get_many(self, keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._attempt("has_key", lambda: RedisCache.has_key(self, key, version), False)

    def set_many(
        self,
        data: dict[Any, Any],
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[Any]:
        return self._attempt(
            "set_many",
            lambda: RedisCache.set_many(self, data, timeout, version),
            list(data),
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._attempt("delete_many", lambda: RedisCache.delete_many(self, keys, version), None)

    def clear(self) -> None:
        self._attempt("clear", lambda: RedisCache.clear(self), None)
