"""`make demo ORG=1`: member accounts in two regions report centrally, and the totals add up."""

from __future__ import annotations

import io

from rich.console import Console

from tools.simulator.org_demo import MEMBERS, run_org_demo


def test_the_org_demo_reports_three_accounts_in_two_regions_with_totals_equal_to_the_members() -> None:
    out = io.StringIO()
    results = run_org_demo(Console(file=out, width=160))
    assert len(results["accounts"]) >= 3 and len(results["regions"]) >= 2
    assert results["overall_match"] is True
    assert all(results["by_account_match"].values()) and all(results["by_region_match"].values())
    assert results["records"] == sum(results["members"].values())
    assert results["stored"] >= results["records"] and results["stored_again"] == 0
    # Each member's scenes really ran as that account, in that region.
    for account, region, _ in MEMBERS:
        assert results["arn_places"][f"{account}/{region}"] == [(region, account)]
    assert "Equals the sum of the members' own reports: yes" in " ".join(out.getvalue().split())
