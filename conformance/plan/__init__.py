"""Test plans: which meter(s) to test and how (plain data; no pytest, no meter needed).

The pytest plugin, the reference meter and the CLI all read the same plan, so the checks
and the simulated meter never disagree::

    from conformance.plan import load_plan
    plan = load_plan("testplans/simulator.yaml")
    meter = plan.meters[0]
    mgmt = meter.association("management")
    mgmt.keys.ek.reveal()          # secrets never show in repr/str/logs

Any mistake in a plan raises :class:`~conformance.errors.PlanError` (precisely
:class:`PlanErrors`) whose message has one line per mistake:
``FILE:LINE: PATH.IN.DOC: what is wrong``. The plan format is described in
``testplans/README.md`` and by the JSON Schema at :func:`schema_path`.
"""

from conformance.plan._issues import PlanErrors, PlanIssue
from conformance.plan.cosem import (
    AccessRights,
    AttributeAccess,
    AttributeSpec,
    CaptureObject,
    ClockSpec,
    ColumnGenerator,
    CosemObject,
    DataTag,
    GeneratorKind,
    LogicalName,
    MethodAccess,
    MethodSpec,
    ProfileSpec,
    SortMethod,
    TypedValue,
)
from conformance.plan.dump import dump_plan, plan_to_dict
from conformance.plan.loader import default_plan_path, load_plan, load_plan_text, plan_from_dict
from conformance.plan.model import (
    Addressing,
    ApplicationContext,
    Association,
    Claims,
    Expectation,
    Framing,
    HdlcSettings,
    HdlcTcpTransport,
    InvocationCounterSource,
    Keys,
    Mechanism,
    MeterPlan,
    ModeE,
    Parity,
    Protection,
    SecurityPolicy,
    SerialTransport,
    ServerSide,
    SimulatorTransport,
    TcpTransport,
    TestPlan,
    Timeouts,
    Transport,
    TransportKind,
)
from conformance.plan.names import (
    ACSE_SERVICE_USER_DIAGNOSTICS,
    CONFORMANCE_BITS,
    SERVICES,
    ConformanceBlock,
)
from conformance.plan.profile import ProfileGenerator
from conformance.plan.schema import plan_schema, schema_path
from conformance.plan.secrets import Secret

__all__ = [
    "ACSE_SERVICE_USER_DIAGNOSTICS",
    "CONFORMANCE_BITS",
    "SERVICES",
    "AccessRights",
    "Addressing",
    "ApplicationContext",
    "Association",
    "AttributeAccess",
    "AttributeSpec",
    "CaptureObject",
    "Claims",
    "ClockSpec",
    "ColumnGenerator",
    "ConformanceBlock",
    "CosemObject",
    "DataTag",
    "Expectation",
    "Framing",
    "GeneratorKind",
    "HdlcSettings",
    "HdlcTcpTransport",
    "InvocationCounterSource",
    "Keys",
    "LogicalName",
    "Mechanism",
    "MeterPlan",
    "MethodAccess",
    "MethodSpec",
    "ModeE",
    "Parity",
    "PlanErrors",
    "PlanIssue",
    "ProfileGenerator",
    "ProfileSpec",
    "Protection",
    "Secret",
    "SecurityPolicy",
    "SerialTransport",
    "ServerSide",
    "SimulatorTransport",
    "SortMethod",
    "TcpTransport",
    "TestPlan",
    "Timeouts",
    "Transport",
    "TransportKind",
    "TypedValue",
    "default_plan_path",
    "dump_plan",
    "load_plan",
    "load_plan_text",
    "plan_from_dict",
    "plan_schema",
    "plan_to_dict",
    "schema_path",
]
