"""Domain errors raised by adapters, so decisions and runners never inspect botocore."""

from __future__ import annotations

from collections.abc import Callable

from botocore.exceptions import ClientError

from ecoguard.not_found import is_not_found

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "SlowDown",
    }
)
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})


class AwsError(Exception):
    """An AWS call failed. ``code`` is the AWS error code."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        super().__init__(f"{operation}: {code}: {message}")
        self.operation = operation
        self.code = code


class Throttled(AwsError):
    """Still throttled after the SDK's retries; try again in a later invocation."""


class AccessDenied(AwsError):
    pass


class NotFound(AwsError):
    pass


def translate(exc: ClientError, service: str | None = None) -> AwsError:
    """The domain error of a failed call. ``service`` (botocore's service name) lets a not-found signal that
    depends on the message count (``ecoguard.not_found``)."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    message = str(error.get("Message", ""))
    operation = exc.operation_name
    if code in THROTTLING_CODES:
        return Throttled(operation, code, message)
    if code in ACCESS_DENIED_CODES:
        return AccessDenied(operation, code, message)
    if is_not_found(code, message, service):
        return NotFound(operation, code, message)
    return AwsError(operation, code, message)


def calling[**P, R](call: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``call(...)``: one AWS call, its ``ClientError`` translated into ecoguard's errors (``translate``)."""
    try:
        return call(*args, **kwargs)
    except ClientError as exc:
        raise translate(exc) from exc
