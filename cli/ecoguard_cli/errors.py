"""The CLI's error boundary: a mistake a user can fix is one line saying what is wrong and what to do.

Exit codes: 2 for usage (an argument or an option to change), 1 for the rest. Anything not recognised here
is a bug and keeps its traceback; ``--debug`` keeps the traceback of every error.
"""

from __future__ import annotations

from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from ecoguard.errors import AwsError
from ecoguard.policy import PolicyError

USAGE = 2
FAILURE = 1


class UserError(Exception):
    """A mistake with its remedy; ``exit_code`` is USAGE or FAILURE."""

    def __init__(self, message: str, exit_code: int = FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def one_line(text: str) -> str:
    # PyYAML's and botocore's messages span several lines; the boundary prints one.
    return " ".join(text.split())


def user_error(exc: BaseException) -> UserError | None:
    """The one-line form of an expected error, or None for a bug."""
    if isinstance(exc, UserError):
        return exc
    if isinstance(exc, NoRegionError):
        return UserError("no AWS region: pass --region (e.g. --region us-east-1) or set AWS_DEFAULT_REGION", USAGE)
    if isinstance(exc, ProfileNotFound):
        return UserError(f"{one_line(str(exc))}: pass a profile of ~/.aws/config to --profile", USAGE)
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return UserError("no AWS credentials: pass --profile, run `aws configure` or `aws sso login`")
    if isinstance(exc, EndpointConnectionError):
        return UserError(f"{one_line(str(exc))}: check AWS_ENDPOINT_URL, or start the sandbox (make sandbox)")
    if isinstance(exc, PolicyError):
        return UserError(f"{one_line(str(exc))} (check it with: ecoguard policy validate FILE)")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        message = one_line(error.get("Message", ""))
        return UserError(f"AWS answered {exc.operation_name}: {error.get('Code', '?')}: {message}")
    if isinstance(exc, AwsError):
        return UserError(f"AWS answered {one_line(str(exc))}")
    return None
