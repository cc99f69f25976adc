"""The report as one HTML page: inline CSS and SVG, no script, readable offline and on a phone.

Unknown figures read "unknown", with their reason and a count of the actions they concern; 0 is shown only
for a true zero. Every table is ``ecoguard.report.tables``'s: headers over their columns at desktop widths,
rows as cards at phone widths. Resources whose figures are all true zeros collapse into one line (the CSV
lists them).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from ecoguard.audit import NOT_REVERSIBLE, AuditRecord
from ecoguard.regions import ranked
from ecoguard.report.charts import INK, PALETTE, week_bars
from ecoguard.report.costs import CurrentCost, current_cost
from ecoguard.report.headline import FIGURES, headline_text
from ecoguard.report.interruptions import interrupts
from ecoguard.report.ledger import Breakdown, Report, ResourceRow
from ecoguard.report.method import method_sentences, short_source
from ecoguard.report.numbers import UNKNOWN, quantity
from ecoguard.report.sections import commitments_section, measured_section, serving_section
from ecoguard.report.tables import TABLE_CSS, Column, columns, table, token
from ecoguard.savings import HORIZONS, HOURS_PER_MONTH, METRICS, OPEN_HORIZON, Amounts

CSS = (
    "*{box-sizing:border-box}"
    f"body{{font-family:system-ui,sans-serif;margin:0 auto;padding:1em;max-width:1240px;color:{INK};line-height:1.4}}"
    "h1{font-size:1.5em;overflow-wrap:break-word}h2{margin-top:1.6em;border-bottom:1px solid #ccc}"
    + TABLE_CSS
    + ".kpis{display:flex;flex-wrap:wrap;gap:1em}"
    ".kpi{border:1px solid #bbb;border-radius:6px;padding:.6em 1em;flex:1 1 14em}"
    ".kpi.advisory{border-style:dashed}"
    ".kpi b{display:block;font-size:1.25em}.kpi small{color:#444;display:block}"
    ".method{border-left:4px solid #0072B2;padding:.3em .8em;background:#f6f8fa;font-size:.9em}"
    ".method p{margin:.3em 0}"
    ".chart{max-width:640px;height:auto;display:block}"
    ".note{font-size:.85em;color:#444}.prose{overflow-wrap:anywhere}.name{overflow-wrap:break-word;word-break:normal}"
    "time{white-space:nowrap}details summary{cursor:pointer}ol.sources li{overflow-wrap:break-word;font-size:.85em}"
)

LABELS = {"kwh": "kWh", "kg_co2e": "kgCO2e", "usd": "USD"}
BOXES = (
    ("Avoided to date", "avoided", "since each action, until now or until restored"),
    ("Monthly run rate", "run_rate", f"per month ({HOURS_PER_MONTH:g} h) while the actions stay in effect"),
    ("Potential if enforced", "potential", "per month: what enforce mode would do (dry-run actions)"),
    (
        "Advisory, not acted on",
        "advisory",
        "per month: advice and skipped resources ecoguard reports and never acts on; not part of the potential",
    ),
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


def unknown_text(amounts: Amounts, reasons: int = 2) -> str:
    """Which figures are unknown, for how many of the actions (a count per action), and the main reasons."""
    if not amounts.unknown_actions:
        return "every figure known"
    parts = [f"{LABELS[k]} for {n} of {amounts.actions}" for k in METRICS if (n := amounts.unknown[k])]
    why = "; ".join(f"{shorten(reason)} ({n})" for reason, n in amounts.reasons.most_common(reasons))
    more = len(amounts.reasons) - reasons
    return (
        f"unknown: {', '.join(parts)} action(s)"
        + (f" - {why}" if why else "")
        + (f"; {more} more reason(s) in the CSV" if more > 0 else "")
    )


def shorten(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 3].rsplit(" ", 1)[0] + "..."


def figure_cell(amounts: Amounts, key: str) -> str:
    """One figure in a table cell: "unknown", a known sum with the unknown actions counted, or a true value."""
    value = amounts.figure(key)
    if value is None:
        return UNKNOWN
    text = _e(quantity(value, key))
    if amounts.partial(key):
        text += f"<br><small>+ {amounts.unknown[key]} unknown</small>"
    return text


def _both(amounts: Amounts) -> str:
    """CO2e over USD, or a dash when no estimated action contributes."""
    if not amounts.actions:
        return "-"
    return f"{figure_cell(amounts, 'kg_co2e')}<br>{figure_cell(amounts, 'usd')}"


def title(report: Report) -> str:
    kind = "organization impact report" if report.organization else "impact report"
    accounts = sorted(a for a in report.accounts if a != "unknown")
    regions = sorted(r for r in report.regions if r != "unknown")
    parts = [f"ecoguard {kind}"]
    if accounts:
        parts.append(("account " if len(accounts) == 1 else f"{len(accounts)} accounts: ") + ", ".join(accounts[:4]))
    if regions:
        parts.append(", ".join(regions))
    if report.stack:
        parts.append(f"stack {report.stack}")
    start = report.first_record_at or report.generated_at
    parts.append(f"{start:%Y-%m-%d} to {report.generated_at:%Y-%m-%d}")
    return " - ".join(parts)


def _headline(report: Report) -> str:
    text = headline_text(report)
    boxes = []
    for label, attribute, period in BOXES:
        amounts: Amounts = getattr(report, attribute)
        figures = "".join(f'<b data-metric="{f.metric}">{_e(text[f.metric])}</b>' for f in FIGURES if f.label == label)
        css = "kpi advisory" if attribute == "advisory" else "kpi"
        boxes.append(
            f'<div class="{css}" data-amounts="{attribute}"><span>{label}</span>{figures}<small>{_e(period)}; '
            f"{amounts.actions} action(s); {_e(unknown_text(amounts))}</small></div>"
        )
    method = "".join(f"<p>{_e(s)}</p>" for s in method_sentences(r for r in report.regions if r != "unknown"))
    return (
        f'<div class="kpis">{"".join(boxes)}</div>'
        f'<div class="method" id="method"><p><b>Method.</b></p>{method}</div>'
        '<p class="note">Figures of different periods are never added: to-date and monthly figures stand apart, and '
        f"the advisory figure is never added to the potential. {report.applied_unestimated} applied, "
        f"{report.potential_unestimated} potential and {report.advisory_unestimated} advisory action(s) have no "
        "estimate or one that is not a rate (for example, one training run); they are counted here, not "
        "converted.</p>"
    )


def _horizons() -> str:
    rows = [[_e(action), _e(horizon)] for action, horizon in sorted(HORIZONS.items())]
    rows.append(["every other action", _e(OPEN_HORIZON)])
    return (
        "<h2>How long a saving lasts</h2>"
        + table(columns(["action", "horizon"]), rows)
        + '<p class="note">A stopped training job saves only until SageMaker would have stopped it '
        "(TrainingStartTime + MaxRuntimeInSeconds). Everything else saves until it is restored.</p>"
    )


def _trend(report: Report) -> str:
    weeks = report.trend
    unknown = sum(w.unknown_kg_co2e for w in weeks), sum(w.unknown_usd for w in weeks)
    rows = [[f"{w.start:%Y-%m-%d}", _e(quantity(w.kg_co2e, "kg_co2e")), _e(quantity(w.usd, "usd"))] for w in weeks]
    return (
        f"<h2>Avoided per week, last {len(weeks)} weeks</h2>"
        + week_bars(weeks, "kg_co2e", "CO2e avoided per week")
        + week_bars(weeks, "usd", "USD avoided per week")
        + '<p class="note">From the audit trail: each applied action\'s rate over the part of the week it was in '
        f"effect. Action-weeks left out as unknown: {unknown[0]} (CO2e), {unknown[1]} (USD).</p>"
        + "<details><summary>The figures as a table</summary>"
        + table(columns(["week from", "CO2e", "USD"], numeric_from=1), rows)
        + "</details>"
    )


BREAKDOWN_HEAD = ["avoided to date", "run rate /month", "potential /month", "advisory /month", "actions unknown"]


def _breakdown_rows(values: Mapping[str, Breakdown]) -> list[list[str]]:
    def order(item: tuple[str, Breakdown]) -> tuple[float, float]:
        b = item[1]
        return (b.run_rate.usd + b.potential.usd + b.advisory.usd, b.avoided.usd)

    return [
        [
            f'<span class="name">{token(value)}</span>',
            str(b.records),
            _both(b.avoided),
            _both(b.run_rate),
            _both(b.potential),
            _both(b.advisory),
            str(sum(a.unknown_actions for a in (b.avoided, b.potential, b.advisory))),
        ]
        for value, b in sorted(values.items(), key=order, reverse=True)
    ]


def _attribution(report: Report) -> str:
    sections = []
    titles = [(f"tag:{key}", f"By {key} (cost-allocation tag)", key) for key in report.attribution_tags]
    titles += [("guardrail", "By guardrail", "guardrail"), ("account", "By account", "account")]
    titles += [("region", "By region", "region")]
    for dimension, heading, label in titles:
        values = report.attribution.get(dimension, {})
        if not values:
            continue
        sections.append(
            f'<h3 id="by-{_e(dimension.replace(":", "-"))}">{_e(heading)}</h3>'
            + table(columns([label, "records", *BREAKDOWN_HEAD], numeric_from=1), _breakdown_rows(values))
        )
    return "<h2>Attribution</h2>" + (
        '<p class="note">The tag values are those the resource carried when ecoguard decided, kept in its audit '
        "record; (untagged) collects the rest. Actions unknown: actions with at least one unknown figure.</p>"
        + "".join(sections)
    )


def _shortened(reason: str) -> str:
    """The reason within 200 characters, but what cannot be undone always in full."""
    said, mark, caveat = reason.partition(NOT_REVERSIBLE)
    return said[:200] + (f"{mark}{caveat}" if mark else "")


def _history(records: list[AuditRecord]) -> str:
    items = "".join(
        f"<li><time>{r.recorded_at:%Y-%m-%d %H:%M}</time> {token(r.mode.value)} {token(r.action)}: "
        f"<b>{token(r.outcome.value)}</b>"
        f" ({_e(_shortened(r.reason))})</li>"
        for r in records
    )
    return f"<details><summary>{len(records)} record(s)</summary><ul>{items}</ul></details>"


FIGURE_HEADS = ("avoided to date", "run rate /month", "potential /month", "advisory /month")
RESOURCE_ROWS = 200  # the page stays readable on large accounts; the CSV has every action


def all_zero(row: ResourceRow) -> bool:
    """Every figure of the resource is known and a true zero (for example a log group that stores no bytes)."""
    sums = (row.avoided, row.run_rate, row.potential, row.advisory)
    if not any(a.actions for a in sums) or any(a.unknown_actions for a in sums):
        return False
    return all(a.get(k) == 0 for a in sums for k in METRICS)


def _resources(report: Report) -> str:
    tags = report.attribution_tags
    shown = [row for row in report.resources if not all_zero(row)]
    zeros = [row for row in report.resources if all_zero(row)]
    rows = [_resource_row(row, tags, report.interruptions) for row in shown[:RESOURCE_ROWS]]
    more = len(shown) - len(rows)
    cols = [
        Column("resource"),
        *(Column(t) for t in tags),
        Column("latest"),
        Column(CURRENT_HEAD),
        *(Column(h, numeric=True) for h in FIGURE_HEADS),
        Column(INTERRUPTS_HEAD),
    ]
    kinds = sorted({row.kind for row in zeros})
    return (
        "<h2>Resources</h2><p class=note>Each resource once, in its latest state; its audit history on request. "
        "Ranked by monthly run rate, potential and advice. Its cost a month before acting is what it cost when "
        "ecoguard last decided (now, for advice and dry-run actions), at the same sourced prices as its saving; "
        "what acting interrupts is each action's own statement.</p>"
        + table(cols, rows)
        + (f'<p class="note">{more:,} more resource(s) in the CSV export.</p>' if more > 0 else "")
        + (
            f'<p class="note" id="zero-rows">{len(zeros):,} resource(s) whose every figure is a true zero '
            f"({_e(', '.join(kinds))}; for example a log group that stores no bytes) are listed in the CSV, "
            "not here.</p>"
            if zeros
            else ""
        )
    )


CURRENT_HEAD = "cost /month before acting"
INTERRUPTS_HEAD = "acting interrupts"


def current_cell(cost: CurrentCost) -> str:
    """The resource's current monthly cost, or "unknown" with its reason (never 0 for unknown)."""
    if cost.usd_per_month is None:
        return f"{UNKNOWN}<br><small>{_e(shorten(cost.why, 80))}</small>"
    return f'<span class="tok">{_e(quantity(cost.usd_per_month, "usd"))}</span>'  # one line: "1,030 USD"


def _resource_row(row: ResourceRow, tags: tuple[str, ...], stated: Mapping[str, str | None]) -> list[str]:
    latest = row.latest
    return [
        f'<span class="name" title="{_e(row.arn)}">{token(row.name)}</span><br><small>{token(row.kind)}, '
        f"{token(latest.guardrail)}</small>{_history(row.history)}",
        *(token(row.attribution.get(t, "")) for t in tags),
        f"{token(latest.action)}: <b>{token(latest.outcome.value)}</b>"
        + (f"<br><small>lasts {_e(', '.join(row.horizons))}</small>" if row.horizons else "")
        + (f"<br><small>{row.unestimated} action(s) without an estimate</small>" if row.unestimated else ""),
        current_cell(current_cost(row.history)),
        _both(row.avoided),
        _both(row.run_rate),
        _both(row.potential),
        _both(row.advisory),
        _e(interrupts(latest.action, latest.outcome, stated)),
    ]


def _regions(report: Report, notes: Footnotes) -> str:
    flagged = "".join(
        f"<li>{_e(region)}: cleaner nearby: {_e(', '.join(cleaner))}</li>"
        for region, cleaner in sorted(report.regions_flagged.items())
    )
    rows = [
        [str(i), _e(f.region), f"{f.t_co2e_per_kwh * 1e6:.0f}", _e(f.data_year) + notes.ref(short_source(f.source))]
        for i, f in enumerate(ranked(), start=1)
    ]
    return (
        "<h2>Regions</h2><ul>"
        + (flagged or "<li>No SageMaker resource in the audit trail runs where a much cleaner region is near.</li>")
        + "</ul><details><summary>Regions by grid carbon intensity (location-based, cleanest first)</summary>"
        + table(columns(["#", "region", "gCO2e/kWh", "data year"], numeric_from=2), rows)
        + "</details>"
    )


def render_html(report: Report) -> str:
    notes = Footnotes()
    name = title(report)
    headline = _headline(report)
    body = (
        measured_section(report) + _horizons() + _trend(report) + _attribution(report) + serving_section(report)
        + commitments_section(report)
        + _resources(report) + _regions(report, notes) + notes.html()
    )  # fmt: skip
    legend = (
        f'<p class="note">Charts: CO2e in <span style="color:{PALETTE["kg_co2e"]}">blue</span>, USD in '
        f'<span style="color:{PALETTE["usd"]}">vermillion</span> (colours colour-blind readers can tell apart).</p>'
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(name)}</title><style>{CSS}</style></head><body>
<h1>{_e(name)}</h1>
<p>Generated {report.generated_at:%Y-%m-%d %H:%M} UTC from {report.records:,} audit records.</p>
{headline}{legend}{body}
</body></html>
"""
