"""The embedded local runtime: moto as the AWS endpoint, a gateway, event-source workers.

Adapters only (no product logic): ``python -m local`` runs it; tests use
:class:`local.runtime.LocalRuntime`.
"""
