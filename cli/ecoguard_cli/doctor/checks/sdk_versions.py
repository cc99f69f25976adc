"""The SDK each function runs with: its runtime, and the botocore version its layers declare (in the layer
version's description: ``botocore==X.Y.Z``). The botocore the runtime bundles cannot be read without
invoking the function, and the doctor invokes nothing: the row says so."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecoguard_cli.doctor.model import Row, check
from ecoguard_cli.doctor.verdicts import botocore_version, sdk_row

if TYPE_CHECKING:
    from ecoguard_cli.doctor.deployment import Deployment


@check("sdk", order=60)
def runtime_sdk_supports_parameters(deployment: Deployment) -> list[Row]:
    descriptions: dict[str, str] = {}
    found: dict[tuple[str, tuple[int, int, int] | None], list[str]] = {}
    for function in deployment.functions:
        for layer in function.layers:
            if layer not in descriptions:
                name, version = layer.rsplit(":", 1)  # arn:aws:lambda:region:account:layer:NAME:VERSION
                described = deployment.lambda_.get_layer_version(LayerName=name, VersionNumber=int(version))
                descriptions[layer] = str(described.get("Description", ""))
        versions = [v for v in (botocore_version(descriptions[layer]) for layer in function.layers) if v]
        found.setdefault((function.runtime, max(versions) if versions else None), []).append(function.logical_id)
    return [sdk_row(functions, runtime, botocore) for (runtime, botocore), functions in sorted(found.items(), key=str)]
