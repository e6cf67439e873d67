"""Background jobs: RQ on Redis when ``REDIS_URL`` is set, inline (synchronous) otherwise.

A job is a module-level function named by itself or by its dotted path
(``"est.webhooks.deliver:deliver"``) plus picklable arguments (ids, dates, strings; never a
session or a model). The function opens its own database session with :func:`session`.

``enqueue(func, *args, key=…)`` is idempotent by ``key``: while a job of that key is queued,
running or finished (and its result kept), the same job is returned and nothing new runs.
A failed job of that key is run again. Keys are usually a data fingerprint, so two
coordinators opening the same week start one job.

With Redis the job goes to the RQ queue ``"est"`` and runs in an ``est worker`` process;
RQ keeps it in Redis, so a job queued or interrupted while no worker runs is picked up when
one starts. Without Redis (the embedded default) the function runs inside ``enqueue`` and a
finished (or failed) :class:`JobRef` is returned; finished keyed jobs are remembered per
process (:data:`INLINE_KEEP` of them), so a key is not run twice in one process either.
If Redis is configured but unreachable, the job runs inline (logged) rather than being lost.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import threading
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

QUEUE = "est"
STATUSES = ("queued", "started", "finished", "failed")
BACKOFF_S = (10, 60, 300, 900, 3600)  # waits before retry 1, 2, 3 … (the last repeats)
RESULT_TTL_S = 24 * 3600  # a finished keyed job (and its result) is kept this long
FAILURE_TTL_S = 7 * 24 * 3600
DEFAULT_TIMEOUT_S = 30 * 60
INLINE_KEEP = 256  # finished inline jobs remembered per process (by id and by key)

_RQ_STATUS = {
    "created": "queued", "queued": "queued", "deferred": "queued", "scheduled": "queued",
    "ready_to_enqueue": "queued", "rate_limited": "queued", "started": "started",
    "finished": "finished", "failed": "failed", "stopped": "failed", "canceled": "failed",
}


@dataclass
class JobRef:
    """What is known of one job: ``status`` is one of :data:`STATUSES`."""

    id: str
    status: str
    func: str
    key: str | None = None
    result: Any = None
    error: str | None = None
    enqueued_at: datetime | None = None
    ended_at: datetime | None = None
    inline: bool = False

    @property
    def done(self) -> bool:
        """Return True when the job has finished or failed (nothing more will happen)."""
        return self.status in ("finished", "failed")

    def as_json(self) -> dict[str, Any]:
        """Return the public fields (never the result: it may hold staff-only data)."""
        return {"id": self.id, "status": self.status, "done": self.done,
                "error": self.error is not None,
                "ended_at": self.ended_at.isoformat() if self.ended_at else None}


@dataclass
class _Runtime:
    redis_url: str | None = None
    session_factory: Callable[[], Session] | None = None
    configured: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    inline: OrderedDict[str, JobRef] = field(default_factory=OrderedDict)


_runtime = _Runtime()


def configure(redis_url: str | None,
              session_factory: Callable[[], Session] | None = None) -> None:
    """Set where jobs go (``redis_url``; None = inline) and the sessions jobs open.

    The web app calls this when it is created and ``est worker`` when it starts; without a
    call, ``REDIS_URL`` and ``DATABASE_URL`` of the environment are used.
    """
    with _runtime.lock:
        _runtime.redis_url = redis_url or None
        _runtime.session_factory = session_factory
        _runtime.configured = True


def redis_url() -> str | None:
    """Return the Redis URL jobs go to, or None when they run inline."""
    if not _runtime.configured:
        return os.environ.get("REDIS_URL") or None
    return _runtime.redis_url


def runs_inline() -> bool:
    """Return True when jobs run inside :func:`enqueue` (no ``REDIS_URL``)."""
    return redis_url() is None


def connection():
    """Return a Redis client for the configured URL (raise if jobs run inline)."""
    import redis

    url = redis_url()
    if not url:
        raise RuntimeError("REDIS_URL is not set: jobs run inline, there is no queue")
    return redis.Redis.from_url(url, socket_timeout=10)


@contextmanager
def session() -> Iterator[Session]:
    """Open a database session for a job (closed afterwards; the job commits its own work)."""
    factory = _runtime.session_factory
    if factory is None:
        factory = _env_session_factory()
    db = factory()
    try:
        yield db
    finally:
        db.close()


def _env_session_factory() -> Callable[[], Session]:
    from est.config import load_settings
    from est.db import make_engine, make_session_factory, resolve_database_url

    with _runtime.lock:
        if _runtime.session_factory is None:
            settings = load_settings()
            engine = make_engine(resolve_database_url(settings, log=log.info))
            _runtime.session_factory = make_session_factory(engine)
        return _runtime.session_factory


def func_path(func: str | Callable) -> str:
    """Return the ``module:function`` path of ``func`` (a module-level function)."""
    if isinstance(func, str):
        module, sep, name = func.partition(":")
        if not sep:
            module, _, name = func.rpartition(".")
        if not module or not name.isidentifier():
            raise ValueError(f"job function {func!r}: give it as 'package.module:function'")
        return f"{module}:{name}"
    qualname = getattr(func, "__qualname__", "")
    module = getattr(func, "__module__", "")
    if not module or not qualname.isidentifier():
        raise ValueError(f"job function {func!r} is not a module-level function")
    return f"{module}:{qualname}"


def resolve(path: str) -> Callable:
    """Import and return the function at ``module:function``."""
    module, _, name = func_path(path).partition(":")
    target = getattr(importlib.import_module(module), name, None)
    if not callable(target):
        raise ValueError(f"job function {path!r} does not exist")
    return target


def job_id_for(key: str) -> str:
    """Return the job id of ``key`` (fixed length, safe in Redis keys and URLs)."""
    return "k" + hashlib.sha256(key.encode()).hexdigest()[:40]


def enqueue(func: str | Callable, *args: Any, key: str | None = None, retry: int = 0,
            timeout: int = DEFAULT_TIMEOUT_S, **kwargs: Any) -> JobRef:
    """Run ``func(*args, **kwargs)`` as a job and return its :class:`JobRef`.

    ``key`` makes it idempotent (see the module docstring); ``retry`` is how many times a
    failed run is tried again, after :data:`BACKOFF_S` seconds on RQ (at once inline);
    ``timeout`` bounds one run on RQ, in seconds.
    """
    path = func_path(func)
    if retry < 0 or retry > 10:
        raise ValueError("retry: give 0 to 10 retries")
    url = redis_url()
    if url:
        try:
            return _enqueue_rq(path, args, kwargs, key, retry, timeout)
        except _redis_errors() as exc:
            log.warning("Redis unreachable (%s): running job %s inline", exc, path)
    return _run_inline(path, args, kwargs, key, retry)


def enqueue_at(when: datetime, func: str | Callable, *args: Any, key: str,
               timeout: int = DEFAULT_TIMEOUT_S, **kwargs: Any) -> JobRef:
    """Schedule ``func(*args, **kwargs)`` for ``when`` (aware) on RQ; idempotent by ``key``.

    Needs Redis (a worker started with ``--with-scheduler`` moves it to the queue when due).
    """
    from rq import Queue
    from rq.exceptions import DuplicateJobError, NoSuchJobError
    from rq.job import Job

    if when.tzinfo is None:
        raise ValueError("when: give an aware datetime")
    path = func_path(func)
    conn = connection()
    job_id = job_id_for(key)
    try:
        existing = Job.fetch(job_id, connection=conn)
    except NoSuchJobError:
        existing = None
    if existing is not None and _status(existing) != "failed":
        return _ref(existing)
    if existing is not None:
        existing.delete()
    queue = Queue(QUEUE, connection=conn)
    try:
        job = queue.enqueue_at(when, path.replace(":", "."), *args, job_id=job_id, unique=True,
                               job_timeout=timeout, result_ttl=RESULT_TTL_S,
                               failure_ttl=FAILURE_TTL_S, meta={"key": key},
                               description=path, **kwargs)
    except DuplicateJobError:
        job = Job.fetch(job_id, connection=conn)
    return _ref(job)


def get(job_id: str) -> JobRef | None:
    """Return the job ``job_id`` or None when it is unknown (or expired)."""
    with _runtime.lock:
        ref = _runtime.inline.get(job_id)
    if ref is not None or not redis_url():
        return ref
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        return _ref(Job.fetch(job_id, connection=connection()))
    except NoSuchJobError:
        return None
    except _redis_errors():
        log.warning("Redis unreachable: job %s unknown", job_id)
        return None


def _redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.ConnectionError, redis.TimeoutError)


# -- inline -------------------------------------------------------------------------------------


def _run_inline(path: str, args: tuple, kwargs: dict, key: str | None, retry: int) -> JobRef:
    job_id = job_id_for(key) if key else "i" + uuid.uuid4().hex
    if key:
        with _runtime.lock:
            known = _runtime.inline.get(job_id)
        if known is not None and known.status == "finished":
            return known
    ref = JobRef(id=job_id, status="started", func=path, key=key, inline=True,
                 enqueued_at=datetime.now(UTC))
    target = resolve(path)
    for attempt in range(retry + 1):
        try:
            ref.result = target(*args, **kwargs)
        except Exception as exc:  # a job's failure is its status, as on RQ
            ref.error = "".join(traceback.format_exception_only(exc)).strip()
            log.exception("job %s (%s) failed, attempt %d of %d", job_id, path, attempt + 1,
                          retry + 1)
            continue
        ref.error = None
        break
    ref.status = "failed" if ref.error else "finished"
    ref.ended_at = datetime.now(UTC)
    with _runtime.lock:
        _runtime.inline[job_id] = ref
        _runtime.inline.move_to_end(job_id)
        while len(_runtime.inline) > INLINE_KEEP:
            _runtime.inline.popitem(last=False)
    return ref


def forget_inline() -> None:
    """Forget the finished inline jobs of this process (tests)."""
    with _runtime.lock:
        _runtime.inline.clear()


# -- RQ ---------------------------------------------------------------------------------------


def _retry(retry: int):
    from rq import Retry

    intervals = [BACKOFF_S[min(i, len(BACKOFF_S) - 1)] for i in range(retry)]
    return Retry(max=retry, interval=intervals)


def _enqueue_rq(path: str, args: tuple, kwargs: dict, key: str | None, retry: int,
                timeout: int) -> JobRef:
    from rq import Queue
    from rq.exceptions import DuplicateJobError, NoSuchJobError
    from rq.job import Job

    conn = connection()
    queue = Queue(QUEUE, connection=conn)
    options: dict[str, Any] = {
        "args": args, "kwargs": kwargs, "timeout": timeout, "result_ttl": RESULT_TTL_S,
        "failure_ttl": FAILURE_TTL_S, "retry": _retry(retry) if retry else None,
        "meta": {"key": key} if key else {}, "description": path,
    }
    if not key:
        return _ref(queue.enqueue_call(path.replace(":", "."), **options))
    job_id = job_id_for(key)
    for _ in range(3):  # a failed job of the key is replaced; a racing enqueue wins once
        try:
            existing = Job.fetch(job_id, connection=conn)
        except NoSuchJobError:
            existing = None
        if existing is not None:
            if _status(existing) != "failed":
                return _ref(existing)
            existing.delete()
        try:
            return _ref(queue.enqueue_call(path.replace(":", "."), job_id=job_id, unique=True,
                                           **options))
        except DuplicateJobError:
            continue
    existing = Job.fetch(job_id, connection=conn)
    return _ref(existing)


def _status(job) -> str:
    raw = job.get_status()
    return _RQ_STATUS.get(str(getattr(raw, "value", raw)), "queued")


def _ref(job) -> JobRef:
    status = _status(job)
    result = error = None
    latest = job.latest_result()
    if latest is not None:
        if status == "finished":
            result = latest.return_value
        elif status == "failed" and latest.exc_string:
            error = latest.exc_string.strip().splitlines()[-1]
    func = job.description or job.func_name
    return JobRef(id=job.id, status=status, func=func, key=(job.meta or {}).get("key"),
                  result=result, error=error, enqueued_at=job.enqueued_at,
                  ended_at=job.ended_at)


def queue_counts() -> dict[str, int]:
    """Return how many jobs of the queue are in each RQ state, and how many workers run."""
    from rq import Queue, Worker

    conn = connection()
    queue = Queue(QUEUE, connection=conn)
    return {
        "queued": queue.count,
        "started": queue.started_job_registry.count,
        "scheduled": queue.scheduled_job_registry.count,
        "finished": queue.finished_job_registry.count,
        "failed": queue.failed_job_registry.count,
        "workers": Worker.count(queue=queue),
    }


def recent(state: str | None = None, limit: int = 50) -> list[JobRef]:
    """Return up to ``limit`` jobs of the queue (in ``state`` if given)."""
    from rq import Queue
    from rq.job import Job

    queue = Queue(QUEUE, connection=connection())
    sources = {
        "queued": lambda: queue.job_ids + queue.scheduled_job_registry.get_job_ids(),
        "started": queue.started_job_registry.get_job_ids,
        "finished": queue.finished_job_registry.get_job_ids,
        "failed": queue.failed_job_registry.get_job_ids,
    }
    ids: list[str] = []
    for name in [state] if state else ["started", "queued", "failed", "finished"]:
        ids += [i for i in sources[str(name)]() if i not in ids]
    found = Job.fetch_many(ids[:limit], connection=queue.connection)
    return [_ref(job) for job in found if job is not None]
