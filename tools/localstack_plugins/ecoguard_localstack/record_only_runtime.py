"""A Lambda runtime executor that records the function versions LocalStack prepares, and runs none.

LocalStack prepares a version when a function is created or updated; once prepared, the function is
``Active``. The Docker executor would pull a runtime image there, which needs the internet. This one
only records the version. Invoking a function then fails, clearly: nothing in the smoke test invokes.
"""

from __future__ import annotations

from typing import ClassVar

from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException, RuntimeExecutor

REFUSAL = "the ecoguard-record-only runtime executor records functions and cannot run them"


class RecordOnlyRuntimeExecutor(RuntimeExecutor):
    prepared: ClassVar[set[str]] = set()

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        cls.prepared.add(function_version.qualified_arn)

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        cls.prepared.discard(function_version.qualified_arn)

    def start(self, env_vars: dict[str, str]) -> None:
        raise LambdaRuntimeException(REFUSAL)

    def stop(self) -> None:
        return None

    def get_address(self) -> str:
        raise LambdaRuntimeException(REFUSAL)

    def get_endpoint_from_executor(self) -> str:
        raise LambdaRuntimeException(REFUSAL)

    def get_runtime_endpoint(self) -> str:
        raise LambdaRuntimeException(REFUSAL)

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        raise LambdaRuntimeException(REFUSAL)

    def get_logs(self) -> str:
        return ""


class RecordOnlyRuntimePlugin(RuntimeExecutorPlugin):
    name = "ecoguard-record-only"

    def load(self, *args: object, **kwargs: object) -> type[RuntimeExecutor]:
        return RecordOnlyRuntimeExecutor
