"""The report as one HTML page: inline CSS and SVG, no script, readable offline and on a phone."""

from __future__ import annotations

import html
from collections.abc import Mapping

from ecoguard.audit import NOT_REVERSIBLE, AuditRecord
from ecoguard.impact import METHOD
from ecoguard.regions import ranked
from ecoguard.report.charts import INK, PALETTE, week_bars
from ecoguard.report.headline import FIGURES, headline_text
from ecoguard.report.ledger import Breakdown, Report, ResourceRow
from ecoguard.report.numbers import quantity
from ecoguard.report_serving import evidence_text
from ecoguard.savings import HORIZONS, HOURS_PER_MONTH, OPEN_HORIZON, Amounts

CSS = (
    "*{box-sizing:border-box}"
    f"body{{font-family:system-ui,sans-serif;margin:0 auto;padding:1em;max-width:1100px;color:{INK};line-height:1.4}}"
    "h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}"
    ".scroll{overflow-x:auto;max-width:100%}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}"
    "td,th{border:1px solid #bbb;padding:4px 6px;text-align:left;vertical-align:top}"
    "td.n,th.n{text-align:right;white-space:nowrap}th{background:#f0f0f0}"
    ".kpis{display:flex;flex-wrap:wrap;gap:1em}"
    ".kpi{border:1px solid #bbb;border-radius:6px;padding:.6em 1em;flex:1 1 15em}"
    ".kpi b{display:block;font-size:1.25em}.kpi small{color:#444}"
    ".chart{max-width:640px;height:auto;display:block}"
    ".note{font-size:.85em;color:#444}.name{overflow-wrap:anywhere}"
    "details summary{cursor:pointer}ol.sources li{overflow-wrap:anywhere;font-size:.85em}"
)


class Footnotes:
    """Sources, numbered in order of first mention."""

    def __init__(self) -> None:
        self.sources: list[str] = []

    def ref(self, source: str) -> str:
        if source not in self.sources:
            self.sources.append(source)
        n = self.sources.index(source) + 1
        return f'<sup><a href="#src-{n}">[{n}]</a></sup>'

    def html(self) -> str:
        items = "".join(f'<li id="src-{i}">{html.escape(s)}</li>' for i, s in enumerate(self.sources, start=1))
        return f'<h2>Sources</h2><ol class="sources">{items}</ol>'


def _e(text: object) -> str:
    return html.escape(str(text))


def _unknown(amounts: Amounts) -> str:
    parts = [f"{n} without {label}" for key, label in (("kwh", "kWh"), ("kg_co2e", "kgCO2e"), ("usd", "USD"))
             if (n := amounts.unknown[key])]  # fmt: skip
    return "; ".join(parts) or "none"


def _table(head: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    cells = "".join(f'<th scope="col"{" class=n" if i >= numeric_from else ""}>{h}</th>' for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i >= numeric_from else ''}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f'<div class="scroll"><table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table></div>'


def _headline(report: Report, notes: Footnotes) -> str:
    text = headline_text(report)
    method = notes.ref(f"Method {METHOD}: Cloud Carbon Footprint coefficients; see the package's data/SOURCES.md")
    boxes = []
    for label, amounts, period in (
        ("Avoided to date", report.avoided, "since each action, until now or until restored"),
        ("Monthly run rate", report.run_rate, f"per month ({HOURS_PER_MONTH:g} h) while the actions stay in effect"),
        ("Potential if enforced", report.potential, "per month: dry-run, skipped and advisory records"),
    ):
        figures = "".join(f'<b data-metric="{f.metric}">{_e(text[f.metric])}</b>' for f in FIGURES if f.label == label)
        boxes.append(
            f'<div class="kpi"><span>{label}{method}</span>{figures}<small>{_e(period)}; {amounts.actions} action(s); '
            f"unknown parts: {_e(_unknown(amounts))}</small></div>"
        )
    return (
        f'<div class="kpis">{"".join(boxes)}</div><p class="note">Figures of different periods are never added: '
        f"to-date and monthly figures stand apart. {report.applied_unestimated} applied and "
        f"{report.potential_unestimated} potential action(s) have no estimate or one that is not a rate "
        "(for example, one training run); they are counted here, not converted.</p>"
    )


def _horizons() -> str:
    rows = [[_e(action), _e(horizon)] for action, horizon in sorted(HORIZONS.items())]
    rows.append(["every other action", _e(OPEN_HORIZON)])
    return (
        "<h2>How long a saving lasts</h2>"
        + _table(["action", "horizon"], rows, numeric_from=9)
        + '<p class="note">A stopped training job saves only until SageMaker would have stopped it '
        "(TrainingStartTime + MaxRuntimeInSeconds). Everything else saves until it is restored.</p>"
    )


def _trend(report: Report) -> str:
    weeks = report.trend
    unknown = sum(w.unknown_kg_co2e for w in weeks), sum(w.unknown_usd for w in weeks)
    rows = [[f"{w.start:%Y-%m-%d}", _e(quantity(w.kg_co2e, "kg_co2e")), _e(quantity(w.usd, "usd"))] for w in weeks]
    return (
        f"<h2>Avoided per week, last {len(weeks)} weeks</h2>"
        + week_bars(weeks, "kg_co2e", "kgCO2e avoided per week")
        + week_bars(weeks, "usd", "USD avoided per week")
        + f'<p class="note">From the audit trail: each applied action\'s rate over the part of the week it was in '
        f"effect. Parts left out as unknown: {unknown[0]} (kgCO2e), {unknown[1]} (USD).</p>"
        + "<details><summary>The figures as a table</summary>"
        + _table(["week from", "kgCO2e", "USD"], rows)
        + "</details>"
    )


def _breakdown_rows(values: Mapping[str, Breakdown]) -> list[list[str]]:
    def order(item: tuple[str, Breakdown]) -> tuple[float, float]:
        b = item[1]
        return (b.run_rate.usd + b.potential.usd, b.avoided.usd)

    return [
        [
            f'<span class="name">{_e(value)}</span>',
            str(b.records),
            _both(b.avoided),
            _both(b.run_rate),
            _both(b.potential),
            str(sum(b.avoided.unknown.values()) + sum(b.run_rate.unknown.values()) + sum(b.potential.unknown.values())),
        ]
        for value, b in sorted(values.items(), key=order, reverse=True)
    ]


BREAKDOWN_HEAD = ["avoided to date", "run rate /month", "potential /month", "unknown parts"]


def _both(amounts: Amounts) -> str:
    """kgCO2e over USD, or a dash when no estimated action contributes."""
    if not amounts.actions:
        return "-"
    return f"{_e(quantity(amounts.kg_co2e, 'kg_co2e'))}<br>{_e(quantity(amounts.usd, 'usd'))}"


def _attribution(report: Report) -> str:
    sections = []
    titles = [(f"tag:{key}", f"By {key} (cost-allocation tag)", key) for key in report.attribution_tags]
    titles += [("guardrail", "By guardrail", "guardrail"), ("account", "By account", "account")]
    titles += [("region", "By region", "region")]
    for dimension, title, label in titles:
        values = report.attribution.get(dimension, {})
        if not values:
            continue
        head = [_e(label), "records", *BREAKDOWN_HEAD]
        sections.append(
            f'<h3 id="by-{_e(dimension.replace(":", "-"))}">{_e(title)}</h3>' + _table(head, _breakdown_rows(values))
        )
    return "<h2>Attribution</h2>" + (
        '<p class="note">The tag values are those the resource carried when ecoguard decided, kept in its audit '
        "record; (untagged) collects the rest.</p>" + "".join(sections)
    )


def _serving(report: Report) -> str:
    """Open serving and right-sizing advice, the largest monthly saving first (``ecoguard.report_serving``)."""
    lines = report.serving.lines()
    if not lines:
        return '<h2 id="serving">Serving advice</h2><p class="note">No open serving or right-sizing recommendation.</p>'
    rows = [
        [
            f'<span class="name">{_e(line.resource)}</span>',
            _e(line.kind),
            _e(line.recommended),
            _e(line.confidence),
            f'<span class="name">{_e(evidence_text(line))}</span>',
            _e(quantity(line.usd, "usd")),
            _e(quantity(line.kwh, "kwh")),
            _e(quantity(line.kg_co2e, "kg_co2e")),
        ]
        for line in lines
    ]
    return (
        '<h2 id="serving">Serving advice</h2><p class="note">Open recommendations from each endpoint\'s (or '
        "training job's) own metrics, the largest monthly saving first. Advice only: nothing was changed.</p>"
        + _table(
            [
                "resource",
                "recommendation",
                "to",
                "confidence",
                "saves USD/month",
                "kWh/month",
                "kgCO2e/month",
                "evidence",
            ],
            rows,
            numeric_from=4,
        )
    )


def _shortened(reason: str) -> str:
    """The reason within 200 characters, but what cannot be undone always in full."""
    said, mark, caveat = reason.partition(NOT_REVERSIBLE)
    return said[:200] + (f"{mark}{caveat}" if mark else "")


def _history(records: list[AuditRecord]) -> str:
    items = "".join(
        f"<li>{r.recorded_at:%Y-%m-%d %H:%M} {_e(r.mode.value)} {_e(r.action)}: <b>{_e(r.outcome.value)}</b>"
        f" ({_e(_shortened(r.reason))})</li>"
        for r in records
    )
    return f"<details><summary>{len(records)} record(s)</summary><ul>{items}</ul></details>"


RESOURCE_ROWS = 200  # the page stays readable on large accounts; the CSV has every action


def _resources(report: Report) -> str:
    tags = report.attribution_tags
    rows = [_resource_row(row, tags) for row in report.resources[:RESOURCE_ROWS]]
    more = len(report.resources) - len(rows)
    head = ["resource", "guardrail", *(_e(t) for t in tags), "latest", "avoided to date", "run rate /month",
            "potential /month", "horizon", "history"]  # fmt: skip
    return (
        "<h2>Resources</h2><p class=note>Each resource once, in its latest state; its audit history on request. "
        "Ranked by monthly run rate and potential.</p>"
        + _table(head, rows, numeric_from=len(tags) + 3)
        + (f'<p class="note">{more:,} more resource(s) in the CSV export.</p>' if more > 0 else "")
    )


def _resource_row(row: ResourceRow, tags: tuple[str, ...]) -> list[str]:
    both = _both
    return [
        f'<span class="name" title="{_e(row.arn)}">{_e(row.name)}</span><br><small>{_e(row.kind)}</small>',
        _e(row.latest.guardrail),
        *(_e(row.attribution.get(t, "")) for t in tags),
        f"{_e(row.latest.action)}: <b>{_e(row.latest.outcome.value)}</b>",
        both(row.avoided),
        both(row.run_rate),
        both(row.potential),
        _e(", ".join(row.horizons) or "-"),
        _history(row.history),
    ]


def _regions(report: Report, notes: Footnotes) -> str:
    flagged = "".join(
        f"<li>{_e(region)}: cleaner nearby: {_e(', '.join(cleaner))}</li>"
        for region, cleaner in sorted(report.regions_flagged.items())
    )
    rows = [
        [str(i), _e(f.region), f"{f.t_co2e_per_kwh * 1e6:.0f}", _e(f.data_year) + notes.ref(f.source)]
        for i, f in enumerate(ranked(), start=1)
    ]
    return (
        "<h2>Regions</h2><ul>"
        + (flagged or "<li>No SageMaker resource in the audit trail runs where a much cleaner region is near.</li>")
        + "</ul><details><summary>Regions by grid carbon intensity (location-based, cleanest first)</summary>"
        + _table(["#", "region", "gCO2e/kWh", "data year"], rows, numeric_from=2)
        + "</details>"
    )


def render_html(report: Report) -> str:
    notes = Footnotes()
    headline = _headline(report, notes)
    title = "ecoguard organization impact report" if report.organization else "ecoguard impact report"
    body = (
        _horizons() + _trend(report) + _attribution(report) + _serving(report) + _resources(report)
        + _regions(report, notes) + notes.html()
    )  # fmt: skip
    legend = (
        f'<p class="note">Charts: kgCO2e in <span style="color:{PALETTE["kg_co2e"]}">blue</span>, USD in '
        f'<span style="color:{PALETTE["usd"]}">vermillion</span> (colours colour-blind readers can tell apart).</p>'
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{CSS}</style></head><body>
<h1>{title}</h1>
<p>Generated {report.generated_at:%Y-%m-%d %H:%M} UTC from {report.records:,} audit records.</p>
{headline}{legend}{body}
</body></html>
"""
