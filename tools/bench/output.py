"""Where a bench writes its tables: docs/PERFORMANCE.md (tracked, quoted by the docs) only at full scale; a
reduced scale (``make bench SCALE=0.1``) writes a copy of it under dist/, so a quick run never rewrites it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FULL_SCALE = 1.0


def document_for(scale: float, tracked: Path, out_dir: Path = ROOT / "dist") -> Path:
    """``tracked`` at full scale; else its copy in ``out_dir`` (made from ``tracked`` on first use)."""
    if scale >= FULL_SCALE:
        return tracked
    copy = out_dir / f"{tracked.stem}-scale-{scale:g}{tracked.suffix}"
    if not copy.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        copy.write_text(tracked.read_text(encoding="utf-8"), encoding="utf-8")
    return copy
