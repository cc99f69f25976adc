"""Write rendered reports to the stack's report bucket."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ecoguard.errors import translate

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class ReportStore:
    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def publish(self, generated_at: datetime, html: str, json_text: str, csv_text: str | None = None) -> list[str]:
        """Write the dated report and refresh ``reports/latest.*``; return the keys written (the CSV's last)."""
        prefix = f"reports/{generated_at:%Y/%m/%d}/ecoguard-report-{generated_at:%H%M%S}"
        objects = [
            (f"{prefix}.html", html, "text/html; charset=utf-8"),
            (f"{prefix}.json", json_text, "application/json"),
            ("reports/latest.html", html, "text/html; charset=utf-8"),
            ("reports/latest.json", json_text, "application/json"),
        ]
        if csv_text is not None:
            objects += [
                (f"{prefix}.csv", csv_text, "text/csv; charset=utf-8"),
                ("reports/latest.csv", csv_text, "text/csv; charset=utf-8"),
            ]
        try:
            for key, body, content_type in objects:
                self._s3.put_object(Bucket=self._bucket, Key=key, Body=body.encode(), ContentType=content_type)
        except ClientError as exc:
            raise translate(exc) from exc
        return [key for key, _, _ in objects]
