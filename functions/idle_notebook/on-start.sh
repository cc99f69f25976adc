#!/bin/bash
# ecoguard notebook activity (OnStart of the stack's NotebookInstanceLifecycleConfig).
# Installs a cron job that publishes, every 5 minutes, the number of Jupyter kernels and terminals
# in use (busy, or active in the last 5 minutes) as ecoguard/NotebookActivity ActiveSessions with the
# dimension NotebookInstanceName. A terminal alone counts, so terminal-only work is never stopped.
# The instance's execution role needs cloudwatch:PutMetricData.
set -euo pipefail

PUBLISHER=/usr/local/bin/ecoguard-activity
cat > "$PUBLISHER" <<'PUBLISH'
#!/bin/bash
set -uo pipefail
export PATH=/usr/local/bin:/usr/bin:/bin:/home/ec2-user/anaconda3/bin
NAMESPACE="ecoguard/NotebookActivity"
METRIC="ActiveSessions"
DIMENSION="NotebookInstanceName"
NAME=$(python3 -c 'import json; print(json.load(open("/opt/ml/metadata/resource-metadata.json"))["ResourceName"])')
if ! COUNT=$(python3 - <<'PY'
import json
import ssl
import urllib.request
from datetime import datetime, timedelta, timezone

RECENT = timedelta(minutes=5)
NOW = datetime.now(timezone.utc)
# Jupyter on a notebook instance serves localhost with a self-signed certificate.
CONTEXT = ssl._create_unverified_context()


def get(path):
    with urllib.request.urlopen("https://localhost:8443" + path, context=CONTEXT, timeout=10) as response:
        return json.load(response)


def recently_active(item):
    stamp = item.get("last_activity")
    if not stamp:
        return True  # no timestamp: count it; never stop work that cannot be seen
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return True
    return NOW - when < RECENT


kernels = [k for k in get("/api/kernels") if k.get("execution_state") == "busy" or recently_active(k)]
terminals = [t for t in get("/api/terminals") if recently_active(t)]
print(len(kernels) + len(terminals))
PY
); then
  COUNT=1  # Jupyter unreachable: report activity rather than silence
fi
aws cloudwatch put-metric-data --namespace "$NAMESPACE" --metric-name "$METRIC" \
  --dimensions "$DIMENSION=$NAME" --value "$COUNT" --unit Count
PUBLISH
chmod 755 "$PUBLISHER"
echo "*/5 * * * * root $PUBLISHER >> /var/log/ecoguard-activity.log 2>&1" > /etc/cron.d/ecoguard-activity
