"""ecoguard's LocalStack plugins: what lets LocalStack deploy ecoguard on a host without the internet.

- ``moto_dynamodb``: DynamoDB and DynamoDB Streams served by moto (LocalStack's own provider downloads
  DynamoDB Local and a Java runtime at first use). Select with ``PROVIDER_OVERRIDE_DYNAMODB=ecoguard-moto``.
- ``record_only_runtime``: a Lambda runtime executor that records function versions, so they reach
  ``Active``, and refuses to run them (LocalStack's Docker executor downloads a runtime). Select with
  ``LAMBDA_RUNTIME_EXECUTOR=ecoguard-record-only``.
"""
