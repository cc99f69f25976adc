"""What each guardrail reads that a runtime's SDK may lack (``ecoguard.adapters.sdk_support.NEEDS``: MLflow's
``IsActive``, warm pools' ``WarmPoolStatus``, Studio's ``AppLifecycleManagement``, log groups'
``retentionPolicyName`` and ``logGroupClass``), and whether the function
said, in its logs over the last day, that its runtime's SDK does not support one ("not supported by this
runtime's SDK: ..."; CloudWatch Logs FilterLogEvents on the function's log group). The doctor invokes
nothing, so a function that has not run in that day cannot be told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ecoguard.adapters.sdk_support import NEEDS, UNSUPPORTED
from ecoguard_cli.doctor.model import Row, check
from ecoguard_cli.doctor.verdicts import sdk_features_row

if TYPE_CHECKING:
    from ecoguard_cli.doctor.deployment import Deployment

# The functions whose runners check NEEDS at run time, and the guardrail each checks for.
CHECKED: dict[str, str] = {
    "IdleComputeFunction": "idle-compute",
    "StudioIdleFunction": "studio-idle",
    "LogRetentionFunction": "log-retention",
    "ReservedCapacityFunction": "reserved-capacity",
}
LOOK_BACK = timedelta(days=1)


@check("sdk features", order=61)
def runtime_sdk_reads_what_guardrails_need(deployment: Deployment) -> list[Row]:
    rows = []
    since = int((datetime.now(UTC) - LOOK_BACK).timestamp() * 1000)
    for function in deployment.functions:
        guardrail = CHECKED.get(function.logical_id)
        if guardrail is None:
            continue
        config = deployment.lambda_.get_function_configuration(FunctionName=function.name)
        group = (config.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{function.name}"
        needs = [f"{part}: {shape}.{member}" for part, found in NEEDS[guardrail].items() for _, shape, member in found]
        try:
            events = deployment.logs.filter_log_events(
                logGroupName=group, startTime=since, filterPattern=f'"{UNSUPPORTED}"', limit=5
            ).get("events", [])
        except ClientError:
            rows.append(sdk_features_row(function.logical_id, needs, None))
            continue
        rows.append(sdk_features_row(function.logical_id, needs, [str(e.get("message", "")) for e in events]))
    return rows
