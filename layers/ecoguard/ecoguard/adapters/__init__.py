"""Adapters: the only modules that call AWS. They turn ``ClientError`` into ``ecoguard.errors``."""
