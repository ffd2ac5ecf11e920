"""Operator tooling (the `pellicule` command, centres, portability, signing keys): installed on
the operator's machine, never shipped in a Lambda asset."""
