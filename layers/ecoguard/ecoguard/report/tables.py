"""One kind of HTML table for every table of the report: each header over its own column, and at phone widths
each row read as a card (every cell labelled with its column's header, ``data-label``), never scrolled sideways.

The browser test (``tests/functional/test_demo_report.py``, measurements in ``tools/report_preview.py``) checks
both layouts: at 1280 px each header's left and right edges against every cell of its column; at 390 px each
cell's label against its column's header.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

CARD_WIDTH = 700  # below this viewport width (CSS px) a table's rows become cards

TABLE_CSS = (
    "table{border-collapse:collapse;margin:.5em 0;font-size:.9em;width:100%}"
    "td,th{border:1px solid #bbb;padding:4px 6px;text-align:left;vertical-align:top}"
    f"@media (min-width:{CARD_WIDTH + 1}px){{th.w{{width:32%}}}}"
    "td.n,th.n{text-align:right}td.n{white-space:nowrap}th{background:#f0f0f0}.tok{white-space:nowrap}"
    f"@media (max-width:{CARD_WIDTH}px){{"
    "table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}"
    "table.cards,table.cards tbody,table.cards tr{display:block;width:100%}"
    "table.cards tr{border:1px solid #bbb;border-radius:6px;margin:.6em 0;padding:.2em .4em}"
    "table.cards td{display:grid;grid-template-columns:minmax(max-content,38%) minmax(0,1fr);gap:.6em;border:0;"
    "border-bottom:1px solid #eee;text-align:left;white-space:normal}"
    "table.cards td:last-child{border-bottom:0}table.cards td>div{min-width:0;overflow-wrap:break-word}"
    "table.cards td::before{content:attr(data-label);font-weight:600;color:#444}"
    "}"
)


@dataclass(frozen=True)
class Column:
    """A column's header (plain text) and whether its values are figures (right-aligned, not wrapped)."""

    header: str
    numeric: bool = False
    wide: bool = False  # prose (evidence): a third of the table at desktop widths


TOKEN_CHARACTERS = 20  # identifiers up to this length are never broken at their hyphens


def token(text: object) -> str:
    """An identifier (a name, an action, a date) kept on one line when it is short enough to fit one."""
    escaped = html.escape(str(text))
    if len(str(text)) <= TOKEN_CHARACTERS:
        return f'<span class="tok">{escaped}</span>'
    # A longer one may break after a CloudFormation type's "::" (AWS::Bedrock::ProvisionedModelThroughput).
    return escaped.replace("::", "::<wbr>")


def columns(headers: Sequence[str], numeric_from: int = 99) -> list[Column]:
    return [Column(h, i >= numeric_from) for i, h in enumerate(headers)]


def _css(column: Column) -> str:
    names = [n for n, on in (("n", column.numeric), ("w", column.wide)) if on]
    return f' class="{" ".join(names)}"' if names else ""


def table(cols: Sequence[Column], rows: Sequence[Sequence[str]], caption: str = "") -> str:
    """``rows`` hold cell HTML, one cell per column, in the columns' order (checked here, not trusted)."""
    for row in rows:
        if len(row) != len(cols):
            raise ValueError(f"a row has {len(row)} cells for {len(cols)} columns: {[c.header for c in cols]}")
    head = "".join(f'<th scope="col"{_css(c)}>{html.escape(c.header)}</th>' for c in cols)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{html.escape(c.header)}"{_css(c)}><div>{cell}</div></td>'
            for c, cell in zip(cols, row, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="cards">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
