"""Shared helpers of the plan tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conformance.errors import PlanError
from conformance.plan import TestPlan, load_plan_text

ROOT = Path(__file__).resolve().parents[2]
TESTPLANS = ROOT / "testplans"
SOURCE = "plans/x.yaml"

#: A small valid plan the error tests extend (line numbers below count from 1).
BASE = """\
meter:
  name: m1
  transport: {kind: hdlc+tcp, host: meter.example}
  associations:
    - name: public
      client_address: 16
"""


def load(text: str, **kwargs: object) -> TestPlan:
    """Load dedented YAML text as ``plans/x.yaml`` (file: secrets relative to testplans/)."""
    kwargs.setdefault("base_dir", TESTPLANS)
    kwargs.setdefault("environ", {})
    return load_plan_text(textwrap.dedent(text), source=SOURCE, **kwargs)  # type: ignore[arg-type]


def problems(text: str, **kwargs: object) -> list[str]:
    """The lines of the PlanError raised for ``text``."""
    with pytest.raises(PlanError) as info:
        load(text, **kwargs)
    return str(info.value).splitlines()
