"""A Redis cache that the site survives losing.

Nothing Sala keeps in the cache is the only copy of anything: Wagtail's site root
paths, the credential status lists and the rate-limit counters are all recomputed
or started again from nothing. So when Redis does not answer, an operation behaves
as a miss on an empty cache instead of raising: `get` returns the default, `add`
reports the value taken, `set` and `delete` do nothing, `incr` finds no key. A page
then costs a few queries more, never a 500.

The contract, for an operator reading the log:

- Short socket timeouts (SOCKET_CONNECT_TIMEOUT, SOCKET_TIMEOUT unless OPTIONS
  say otherwise): a host that does not answer costs a fraction of a second once.
- After a failure the cache is left alone for RETRY_AFTER seconds (OPTIONS
  ``retry_after``): meanwhile every operation misses at once, without a socket.
- One warning when the cache stops answering, repeated at most once per
  LOG_INTERVAL seconds while it stays down; one when it answers again.
- Keys written or deleted while it was down are deleted when it answers again:
  a write that did not happen must not leave the value from before the outage
  (a status list cached before a revocation would show the certificate valid).
  This is per process and bounded (PENDING_LIMIT keys); beyond that, entries may
  be stale until their own timeout, and the log says so.

Rate limits kept in this cache fail open while it is down (see
`certificates.ratelimit`): learning stays available; the limit comes back with
the cache.
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)

SOCKET_CONNECT_TIMEOUT = 0.25
SOCKET_TIMEOUT = 0.5
RETRY_AFTER = 5.0
LOG_INTERVAL = 60.0
PENDING_LIMIT = 10_000

# Redis not reachable, too slow, or refusing writes (a replica after a failover, a
# full memory with no eviction): the cache is unavailable, the request goes on.
UNAVAILABLE = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    redis_errors.OutOfMemoryError,
)

_log_times: dict[str, float] = {}
_log_lock = threading.Lock()


def log_throttled(log: logging.Logger, topic: str, message: str, *args) -> bool:
    """Log a warning about `topic` unless one was logged in the last LOG_INTERVAL
    seconds (per process): an outage is one line per minute, not one per request.
    Returns whether it logged."""
    now = time.monotonic()
    with _log_lock:
        last = _log_times.get(topic)
        if last is not None and now - last < LOG_INTERVAL:
            return False
        _log_times[topic] = now
    log.warning(message, *args)
    return True


def log_throttle_reset() -> None:
    """Forget when each topic was last logged (for tests)."""
    with _log_lock:
        _log_times.clear()


class _Health:
    """What one process knows about one Redis location, shared by its threads
    (Django gives each thread its own cache object)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = 0.0  # monotonic time before which nothing is tried
        self.down = False
        self.pending: set[str] = set()  # keys to delete once it answers again
        self.overflowed = False


_health: dict[str, _Health] = {}
_health_lock = threading.Lock()


def _health_for(location: str) -> _Health:
    with _health_lock:
        return _health.setdefault(location, _Health())


def cache_unavailable(cache) -> bool:
    """Whether `cache` (a Django cache object) is a fail-soft cache that is down
    now, i.e. its last operations missed because Redis did not answer."""
    health = getattr(cache, "health", None)
    return bool(health and health.down)


class FailSoftRedisCacheClient(RedisCacheClient):
    """Django's Redis client whose operations miss instead of raising while
    Redis is unavailable. Keys here are already made (prefix, version)."""

    def __init__(self, servers, *, retry_after=RETRY_AFTER, **options):
        options.setdefault("socket_connect_timeout", SOCKET_CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        super().__init__(servers, **options)
        self.location = ",".join(servers)
        self.retry_after = float(retry_after)
        self.health = _health_for(self.location)

    def _call(self, operation, miss, method, *args, written=()):
        if self.health.down and not self._recovered():
            self._remember(written)
            return miss()
        try:
            return method(*args)
        except UNAVAILABLE as error:
            self._went_down(operation, error)
            self._remember(written)
            return miss()

    def _went_down(self, operation, error):
        health = self.health
        with health.lock:
            health.down = True
            health.down_until = time.monotonic() + self.retry_after
        log_throttled(
            logger,
            f"cache-down:{self.location}",
            "Cache %s unavailable (%s during %s: %s). Serving without it: reads "
            "miss, writes are skipped, rate limits are not enforced; trying again "
            "every %g s.",
            self.location,
            type(error).__name__,
            operation,
            error,
            self.retry_after,
        )

    def _remember(self, keys):
        if not keys:
            return
        health = self.health
        with health.lock:
            room = max(PENDING_LIMIT - len(health.pending), 0)
            keys = list(keys)
            if len(keys) > room:
                health.overflowed = True
                keys = keys[:room]
            health.pending.update(keys)

    def _recovered(self) -> bool:
        """Whether Redis answers again, tried once per RETRY_AFTER by one thread
        (the others keep missing meanwhile). Before anything is read, the keys
        written while it was down are deleted, so no read returns what they held
        before the outage."""
        health = self.health
        with health.lock:
            if not health.down:
                return True
            if time.monotonic() < health.down_until:
                return False
            health.down_until = time.monotonic() + self.retry_after
            pending = list(health.pending)
        try:
            client = self.get_client(None, write=True)
            if pending:
                client.delete(*pending)
            else:
                client.ping()
        except UNAVAILABLE as error:
            self._went_down("reconnect", error)
            return False
        with health.lock:
            health.down = False
            # Writes missed while this thread was trying: delete them too.
            late = list(health.pending.difference(pending))
            health.pending = set()
            overflowed, health.overflowed = health.overflowed, False
        if late:
            try:
                client.delete(*late)
            except UNAVAILABLE as error:
                self._went_down("reconnect", error)
                self._remember(late)
                return False
        with _log_lock:
            _log_times.pop(f"cache-down:{self.location}", None)
        logger.warning(
            "Cache %s answers again; %d key(s) written while it was down were "
            "deleted.%s",
            self.location,
            len(pending) + len(late),
            (
                f" More than {PENDING_LIMIT} were written: other entries may be "
                "stale until they expire."
                if overflowed
                else ""
            ),
        )
        return True

    # The operations Django's RedisCache calls, each with its miss.

    def add(self, key, value, timeout):
        return self._call(
            "add", lambda: True, super().add, key, value, timeout, written=[key]
        )

    def get(self, key, default):
        return self._call("get", lambda: default, super().get, key, default)

    def set(self, key, value, timeout):
        return self._call(
            "set", lambda: None, super().set, key, value, timeout, written=[key]
        )

    def touch(self, key, timeout):
        return self._call("touch", lambda: False, super().touch, key, timeout)

    def delete(self, key):
        return self._call("delete", lambda: False, super().delete, key, written=[key])

    def get_many(self, keys):
        return self._call("get_many", dict, super().get_many, keys)

    def has_key(self, key):
        return self._call("has_key", lambda: False, super().has_key, key)

    def incr(self, key, delta):
        def missing():
            raise ValueError(f"Key '{key}' not found (cache unavailable).")

        return self._call("incr", missing, super().incr, key, delta, written=[key])

    def set_many(self, data, timeout):
        return self._call(
            "set_many", lambda: None, super().set_many, data, timeout, written=data
        )

    def delete_many(self, keys):
        return self._call(
            "delete_many", lambda: None, super().delete_many, keys, written=keys
        )

    def clear(self):
        return self._call("clear", lambda: False, super().clear)


class FailSoftRedisCache(RedisCache):
    """Django's Redis cache backend, failing soft (see the module docstring).

    Settings use it in place of Django's backend whenever CACHE_URL is redis://.
    Extra OPTIONS: ``retry_after`` (seconds); socket timeouts as redis-py names
    them (``socket_connect_timeout``, ``socket_timeout``).
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = FailSoftRedisCacheClient

    @property
    def health(self) -> _Health:
        return self._cache.health
