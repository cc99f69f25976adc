"""`make bench SCALE=0.1` writes its tables to dist/, never to the tracked docs/PERFORMANCE.md (issue 30)."""

from __future__ import annotations

from pathlib import Path

from tools.bench.output import document_for


def test_given_full_scale_then_the_bench_writes_the_tracked_document(tmp_path: Path) -> None:
    tracked = tmp_path / "PERFORMANCE.md"
    tracked.write_text("tracked")
    assert document_for(1.0, tracked, tmp_path / "dist") == tracked
    assert not (tmp_path / "dist").exists()


def test_given_a_reduced_scale_then_the_bench_writes_a_copy_in_dist_and_leaves_the_tracked_one(
    tmp_path: Path,
) -> None:
    tracked = tmp_path / "PERFORMANCE.md"
    tracked.write_text("tracked <!-- BENCH --> figures")
    copy = document_for(0.1, tracked, tmp_path / "dist")
    assert copy == tmp_path / "dist" / "PERFORMANCE-scale-0.1.md"
    assert copy.read_text() == tracked.read_text()
    copy.write_text("rewritten by a quick bench")
    assert document_for(0.1, tracked, tmp_path / "dist").read_text() == "rewritten by a quick bench"
    assert tracked.read_text() == "tracked <!-- BENCH --> figures"
