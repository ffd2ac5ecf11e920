"""Every AWS call a function makes here is checked against its synthesized IAM policy."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _iam_contract(iam_contract: Any) -> Any:
    return iam_contract
