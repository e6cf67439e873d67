"""Read replica routing: reads of read-only requests go to ``DATABASE_REPLICA_URL``.

A :class:`RoutingSession` sends a statement to the replica engine stored in its ``info``
(:data:`REPLICA_KEY`) only when it is a plain read (a ``SELECT`` without ``FOR UPDATE``, or
``text("SELECT|WITH|SET|SHOW …")`` without a writing or locking word) and the
session has not written yet. The first flush, ``INSERT`` /
``UPDATE`` / ``DELETE``, other textual SQL, ``session.connection()`` or
:func:`est.db.transaction` pins the session to the primary (:data:`PRIMARY_KEY`) for the
rest of its life, so every write and every read inside or after a write transaction sees the
primary. Without a replica engine in ``info`` the session behaves exactly like ``Session``.

:class:`ReplicaRouter` owns the replica engine and decides whether it may be used: the
replica must answer, and lag at most ``max_lag_seconds`` behind the primary (0 when it has
replayed everything it received, else ``now() - pg_last_xact_replay_timestamp()``). The
answer is cached for ``check_interval`` seconds per process; a connection error on the
replica marks it down at once, so the next request reads from the primary.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import CompoundSelect

log = logging.getLogger(__name__)

REPLICA_KEY = "est_replica_engine"
PRIMARY_KEY = "est_primary"

LAG_SQL = text("""
    SELECT pg_is_in_recovery(),
           CASE WHEN NOT pg_is_in_recovery() THEN 0.0
                WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0
                ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
           END
""")


# Words that make textual SQL a write (or a lock) however it starts; matched as whole words.
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|NEXTVAL|SETVAL|FOR\s+SHARE|"
                     r"FOR\s+NO\s+KEY|FOR\s+KEY|INTO|LOCK|SERIALIZABLE|READ\s+WRITE)\b",
                     re.IGNORECASE)


def is_plain_read(clause: Any) -> bool:
    """Return True for a statement that only reads (safe on a hot standby)."""
    if isinstance(clause, Select | CompoundSelect):
        return getattr(clause, "_for_update_arg", None) is None
    if isinstance(clause, TextClause):
        words = clause.text.lstrip().split(None, 1)
        return bool(words) and words[0].upper() in ("SELECT", "WITH", "SET", "SHOW") \
            and _WRITES.search(clause.text) is None
    return False


def pin_to_primary(session: Session) -> None:
    """Send everything ``session`` does from now on to the primary."""
    session.info[PRIMARY_KEY] = True


class RoutingSession(Session):
    """A session whose plain reads may go to a replica (see the module docstring)."""

    def get_bind(self, mapper=None, clause=None, **kw):
        replica = self.info.get(REPLICA_KEY)
        if replica is not None and not self.info.get(PRIMARY_KEY) and kw.get("bind") is None:
            if not self._flushing and is_plain_read(clause):
                return replica
            pin_to_primary(self)
        return super().get_bind(mapper, clause=clause, **kw)


class ReplicaRouter:
    """The replica engine and the cached decision whether reads may use it."""

    def __init__(self, url: str, max_lag_seconds: float = 30.0, check_interval: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine: Engine = create_engine(
            url, pool_pre_ping=True, connect_args={"connect_timeout": 3})
        self.max_lag_seconds = max_lag_seconds
        self.check_interval = check_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._usable = False
        self.last_lag: float | None = None
        event.listen(self.engine, "handle_error", self._on_error)

    def _on_error(self, context) -> None:
        if context.is_disconnect or context.connection is None:
            self.mark_down(f"{type(context.original_exception).__name__}")

    def mark_down(self, why: str) -> None:
        """Stop using the replica until the next check (``check_interval`` seconds)."""
        with self._lock:
            if self._usable:
                log.warning("read replica unusable (%s); reading from the primary", why)
            self._usable = False
            self._checked_at = self._clock()

    def lag_seconds(self) -> float | None:
        """Return the replica's lag in seconds now (None when it cannot tell)."""
        with self.engine.connect() as conn:
            row = conn.execute(LAG_SQL).one()
        return None if row[1] is None else float(row[1])

    def usable(self) -> bool:
        """Return True when reads may go to the replica (cached ``check_interval`` s)."""
        now = self._clock()
        with self._lock:
            if self._checked_at is not None and now - self._checked_at < self.check_interval:
                return self._usable
        try:
            lag = self.lag_seconds()
        except Exception as exc:  # unreachable, refused, timed out: use the primary
            self.mark_down(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
            self.last_lag = None
            return False
        ok = lag is not None and lag <= self.max_lag_seconds
        with self._lock:
            if self._usable and not ok:
                log.warning("read replica lags %s s (limit %s s); reading from the primary",
                            lag, self.max_lag_seconds)
            self._usable = ok
            self._checked_at = self._clock()
            self.last_lag = lag
        return ok

    def route(self, session: Session) -> bool:
        """Let ``session`` read from the replica if it is usable; return True if so."""
        if not isinstance(session, RoutingSession) or not self.usable():
            return False
        session.info[REPLICA_KEY] = self.engine
        return True

    def dispose(self) -> None:
        self.engine.dispose()
