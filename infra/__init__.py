"""Pellicule's AWS CDK infrastructure.

Importing this package (or :mod:`infra.config`) does not import the CDK: ``app.py`` checks the
region before paying for the CDK's start-up. :func:`infra.app.build_app` builds the app.
"""
