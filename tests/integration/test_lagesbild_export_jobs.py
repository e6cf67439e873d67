"""Lägesbild downloads: rendered once per content; PDF/DOCX through the job queue."""

from est import jobs
from est.lagesbild import exports
from est.lagesbild.cache import LagesbildCache
from est.lagesbild.document import build_document
from est.lagesbild.group import GroupInput
from tests.integration.test_jobs import inline, redis_jobs, run_burst  # noqa: F401
from tests.integration.test_lagesbild import fixture_reports  # noqa: F401
from tests.integration.test_lagesbild_law import KW


def doc(db_session, conclusions: str):
    return build_document(db_session, group=GroupInput({"conclusions": conclusions}),
                          **KW, audience="partner")


def test_inline_renders_once_per_content(db_session, fixture_reports, tmp_path,  # noqa: F811
                                         inline):  # noqa: F811
    cache = LagesbildCache(tmp_path)
    lb = doc(db_session, "Stationen prioriteras.")
    body = exports.export(cache, lb, "pdf", None)
    assert isinstance(body, bytes) and body.startswith(b"%PDF")
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 1 and files[0].endswith(".pdf")
    assert exports.export(cache, lb, "pdf", None) == body  # read back, not rendered again
    changed = doc(db_session, "Tunneln prioriteras.")  # a new text: a new file
    assert exports.file_name(changed, "pdf", None) != files[0]
    assert b"Tunneln prioriteras" in exports.export(cache, changed, "md", None)


def test_pdf_goes_to_the_queue_with_redis(db_session, fixture_reports, tmp_path,  # noqa: F811
                                          redis_jobs):  # noqa: F811
    cache = LagesbildCache(tmp_path / "cache")
    lb = doc(db_session, "Stationen prioriteras.")
    ref = exports.export(cache, lb, "docx", None)
    assert isinstance(ref, jobs.JobRef) and ref.status == "queued"
    again = exports.export(cache, lb, "docx", None)  # the same job, not a second one
    assert isinstance(again, jobs.JobRef) and again.id == ref.id
    run_burst(redis_jobs)
    body = exports.export(cache, lb, "docx", None)
    assert isinstance(body, bytes) and body[:2] == b"PK"
