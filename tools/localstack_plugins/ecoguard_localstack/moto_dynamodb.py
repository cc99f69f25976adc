"""DynamoDB and DynamoDB Streams answered by moto, as LocalStack answers the services it has no provider for.

Every operation of the service's API is dispatched to moto's backend in the LocalStack process; none is
handled here. The plugin names are ``dynamodb:ecoguard-moto`` and ``dynamodbstreams:ecoguard-moto``.
"""

from __future__ import annotations

from localstack.aws.spec import load_service
from localstack.services.moto import call_moto
from localstack.services.plugins import PLUGIN_NAMESPACE, Service, ServicePluginAdapter
from plux import PluginSpec


class MotoBackedProvider:
    """A provider with no operations of its own: LocalStack asks it only for its service's name."""

    def __init__(self, service: str) -> None:
        self.service = service


def _to_moto(context: object, _request: object) -> object:
    return call_moto(context)


def moto_service(name: str) -> Service:
    operations = load_service(name).operation_names
    return Service.for_provider(
        MotoBackedProvider(name), dispatch_table_factory=lambda _provider: dict.fromkeys(operations, _to_moto)
    )


def _adapter(name: str) -> ServicePluginAdapter:
    return ServicePluginAdapter(api=name, create_service=lambda: moto_service(name))


# The entry points name these specs; LocalStack loads the one PROVIDER_OVERRIDE_<SERVICE> selects.
dynamodb_on_moto = PluginSpec(PLUGIN_NAMESPACE, "dynamodb:ecoguard-moto", factory=lambda: _adapter("dynamodb"))
dynamodbstreams_on_moto = PluginSpec(
    PLUGIN_NAMESPACE, "dynamodbstreams:ecoguard-moto", factory=lambda: _adapter("dynamodbstreams")
)
