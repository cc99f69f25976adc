"""The operator's command line, ``ecoguard``, for a stack deployed with ``sam deploy``.

``audit`` lists the audit trail, ``restore`` undoes an applied action from its record, ``report``
builds the impact report, ``regions`` ranks regions by carbon intensity and ``kpi-alarms`` prints
the retraining gate's alarms. It calls AWS through boto3 with the operator's own credentials.
"""
