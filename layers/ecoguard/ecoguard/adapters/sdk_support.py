"""Whether the SDK in this runtime knows a request parameter, from the client's own service model.

The boto3 bundled in the Lambda runtime lags the newest release. A parameter newer than its botocore
(ListBuckets ``MaxBuckets`` / ``BucketRegion``, October 2024; the lifecycle
``TransitionDefaultMinimumObjectSize``, September 2024) makes botocore raise ``ParamValidationError``
before sending anything, and the response parser drops the members it does not know. ecoguard does not
bundle boto3 (docs/PERFORMANCE.md, "The SDK in Lambda", has the figures); it asks the model first and
refuses, with this error, what it cannot do without such a parameter.
"""

from __future__ import annotations

from typing import Any

import botocore

from ecoguard.errors import AwsError

SDK_TOO_OLD = "SdkTooOld"


class SdkTooOld(AwsError):
    """The runtime's botocore does not know a parameter the call needs."""

    def __init__(self, operation: str, members: tuple[str, ...], consequence: str) -> None:
        super().__init__(
            operation,
            SDK_TOO_OLD,
            f"botocore {botocore.__version__} in this runtime does not know {', '.join(members)}; {consequence}",
        )
        self.members = members


def accepts(client: Any, operation: str, *members: str) -> bool:
    """Whether ``operation``'s input shape in the client's service model has every one of ``members``."""
    shape = client.meta.service_model.operation_model(operation).input_shape
    return shape is not None and all(member in shape.members for member in members)
