"""The resources named by the CloudTrail API-call events ecoguard governs on."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from ecoguard.events import BUCKET_NAME, LOG_GROUP_NAME, EventBridgeEvent, EventError, parse_cloudtrail

logger = Logger(child=True)

BUCKET_EVENTS = frozenset({"CreateBucket", "PutBucketTagging"})


def created_log_group(event: EventBridgeEvent) -> str | None:
    """The group a CloudTrail ``CreateLogGroup`` event created; None for other or failed calls."""
    call = parse_cloudtrail(event)
    if call.eventName != "CreateLogGroup" or call.errorCode:
        logger.info("ignoring API call", extra={"event_name": call.eventName, "error_code": call.errorCode})
        return None
    name = (call.requestParameters or {}).get("logGroupName")
    if not isinstance(name, str) or not name:
        raise EventError("malformed CreateLogGroup event: requestParameters.logGroupName is missing")
    if not LOG_GROUP_NAME.fullmatch(name):
        raise EventError("malformed CreateLogGroup event: requestParameters.logGroupName is not a log group name")
    return name


def bucket_of_event(event: EventBridgeEvent) -> str | None:
    """The bucket a CloudTrail CreateBucket / PutBucketTagging event names; None for other or failed calls."""
    call = parse_cloudtrail(event)
    if call.eventName not in BUCKET_EVENTS or call.errorCode:
        logger.info("ignoring API call", extra={"event_name": call.eventName, "error_code": call.errorCode})
        return None
    name = (call.requestParameters or {}).get("bucketName")
    if not isinstance(name, str) or not name:
        raise EventError(f"malformed {call.eventName} event: requestParameters.bucketName is missing")
    if not BUCKET_NAME.fullmatch(name):
        raise EventError(f"malformed {call.eventName} event: requestParameters.bucketName is not an S3 bucket name")
    return name
