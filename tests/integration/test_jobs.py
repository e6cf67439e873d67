"""est.jobs: inline without Redis, RQ on a private redis-server with a real worker process."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from est import jobs
from tests.servers import private_redis

ROOT = Path(__file__).resolve().parents[2]


# -- job functions (module level: the worker imports them by path) -----------------------------


def add(a: int, b: int) -> int:
    return a + b


def tally(path: str) -> int:
    """Append a line to ``path``; return how many lines it has (how often the job ran)."""
    with open(path, "a") as f:
        f.write("x\n")
    return len(Path(path).read_text().splitlines())


def flaky(path: str, fail_times: int) -> str:
    """Fail the first ``fail_times`` runs (counted in ``path``), then succeed."""
    if tally(path) <= fail_times:
        raise RuntimeError("not yet")
    return "ok"


def boom() -> None:
    raise ValueError("trasig indata")


def nap(path: str, seconds: float) -> str:
    """Sleep, then record that the run completed."""
    time.sleep(seconds)
    tally(path)
    return "rested"


# -- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def inline():
    jobs.configure(None)
    jobs.forget_inline()
    yield
    jobs.forget_inline()
    jobs.configure(None)


@pytest.fixture
def redis_jobs(tmp_path):
    with private_redis(tmp_path) as url:
        jobs.configure(url)
        yield url
    jobs.configure(None)


def start_worker(url: str, *, burst: bool = True) -> subprocess.Popen:
    """Start ``est worker`` on queue "est" as its own process."""
    args = [sys.executable, "-c", "from web.cli import main; main()", "worker", "--url", url]
    if burst:
        args.append("--burst")
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def run_burst(url: str) -> str:
    proc = start_worker(url)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out.decode()
    return out.decode()


def wait_for(job_id: str, status: str, timeout: float = 20) -> jobs.JobRef:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ref = jobs.get(job_id)
        if ref is not None and ref.status == status:
            return ref
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} not {status}: {jobs.get(job_id)}")


# -- inline -------------------------------------------------------------------------------------


def test_inline_runs_at_once_and_returns_a_finished_job(inline):
    ref = jobs.enqueue(add, 2, 3)
    assert (ref.status, ref.result, ref.error, ref.inline) == ("finished", 5, None, True)
    assert jobs.get(ref.id) == ref
    by_path = jobs.enqueue("tests.integration.test_jobs:add", 1, b=1)
    assert by_path.result == 2 and by_path.id != ref.id


def test_inline_key_runs_once_per_process(inline, tmp_path):
    counter = str(tmp_path / "count")
    first = jobs.enqueue(tally, counter, key="vecka-2026-48")
    second = jobs.enqueue(tally, counter, key="vecka-2026-48")
    other = jobs.enqueue(tally, counter, key="vecka-2026-49")
    assert first.id == second.id and second.result == 1
    assert other.result == 2


def test_inline_failure_is_a_failed_job_and_retries(inline, tmp_path):
    failed = jobs.enqueue(boom)
    assert failed.status == "failed" and failed.error == "ValueError: trasig indata"
    counter = str(tmp_path / "flaky")
    ref = jobs.enqueue(flaky, counter, 2, retry=2)
    assert ref.status == "finished" and ref.result == "ok"
    assert len(Path(counter).read_text().splitlines()) == 3
    again = jobs.enqueue(flaky, str(tmp_path / "flaky2"), 5, retry=1, key="k")
    assert again.status == "failed"  # 2 attempts, 5 failures needed
    rerun = jobs.enqueue(flaky, str(tmp_path / "flaky2"), 1, key="k")
    assert rerun.status == "finished"  # a failed key runs again


def test_bad_function_names_are_refused(inline):
    with pytest.raises(ValueError, match="package.module:function"):
        jobs.enqueue("nodots")
    with pytest.raises(ValueError, match="does not exist"):
        jobs.enqueue("tests.integration.test_jobs:missing")
    with pytest.raises(ValueError, match="module-level"):
        jobs.enqueue(lambda: 1)
    with pytest.raises(ValueError, match="retry"):
        jobs.enqueue(add, 1, 2, retry=-1)
    assert jobs.get("unknown") is None


# -- RQ on a real redis-server ------------------------------------------------------------------


def test_rq_job_runs_in_a_worker_process(redis_jobs, tmp_path):
    counter = str(tmp_path / "count")
    ref = jobs.enqueue(tally, counter, key="fingerprint-1")
    assert ref.status == "queued" and not ref.inline
    same = jobs.enqueue(tally, counter, key="fingerprint-1")
    assert same.id == ref.id
    plain = jobs.enqueue("tests.integration.test_jobs:add", 20, 22)
    run_burst(redis_jobs)
    done = jobs.get(ref.id)
    assert done is not None and (done.status, done.result) == ("finished", 1)
    assert jobs.get(plain.id).result == 42
    # finished with the same key: the same job, not a second run
    assert jobs.enqueue(tally, counter, key="fingerprint-1").result == 1
    assert Path(counter).read_text() == "x\n"


def test_rq_failure_and_retry_with_backoff(redis_jobs, tmp_path, monkeypatch):
    failed = jobs.enqueue(boom, key="bad")
    monkeypatch.setattr(jobs, "BACKOFF_S", (0,))  # requeue at once so a burst worker retries
    counter = str(tmp_path / "flaky")
    flaky_ref = jobs.enqueue(flaky, counter, 2, retry=3)
    run_burst(redis_jobs)
    ref = jobs.get(failed.id)
    assert ref.status == "failed" and ref.error == "ValueError: trasig indata"
    assert jobs.get(flaky_ref.id).result == "ok"
    assert len(Path(counter).read_text().splitlines()) == 3
    # a failed key is enqueued afresh
    assert jobs.enqueue(boom, key="bad").status == "queued"


def test_rq_jobs_survive_a_worker_restart(redis_jobs, tmp_path):
    counter = tmp_path / "naps"
    worker = start_worker(redis_jobs, burst=False)
    try:
        running = jobs.enqueue(nap, str(counter), 1.5)
        wait_for(running.id, "started")
        waiting = jobs.enqueue(tally, str(tmp_path / "after"), key="after-restart")
        worker.send_signal(signal.SIGTERM)  # what `docker compose restart worker` sends
        worker.wait(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        worker.stdout.close()
    # warm shutdown: the running job was finished, the queued one is still in Redis
    assert jobs.get(running.id).status == "finished" and counter.read_text() == "x\n"
    assert jobs.get(waiting.id).status == "queued"
    run_burst(redis_jobs)  # the worker starts again
    assert jobs.get(waiting.id).result == 1


def test_worker_with_scheduler_schedules_one_monday_precompute(redis_jobs):
    out = run_burst_with(redis_jobs, "--with-scheduler")
    assert "Veckans förberäkning schemalagd: k" in out
    run_burst_with(redis_jobs, "--with-scheduler")  # a second worker: still one job
    counts = jobs.queue_counts()
    assert counts["scheduled"] == 1 and counts["queued"] == 0
    [ref] = jobs.recent(state="queued")
    assert ref.func == "est.jobs.schedule:weekly_precompute"


def run_burst_with(url: str, *extra: str) -> str:
    args = [sys.executable, "-c", "from web.cli import main; main()", "worker", "--url", url,
            "--burst", *extra]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr
