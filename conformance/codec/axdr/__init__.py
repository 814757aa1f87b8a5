"""A-XDR ``Data`` (IEC 62056-6-2 4.1.5, IEC 62056-5-3 8.3, Green Book 9.5): frozen value
objects and their exact encoding.

>>> from conformance.codec.axdr import LongUnsigned, decode_data, encode_data
>>> encode_data(LongUnsigned(value=230)).hex()
'1200e6'
>>> decode_data(bytes.fromhex("1200e6"))
LongUnsigned(value=230)

Modules: :mod:`.types` (the simple and container types, :class:`DataTag`),
:mod:`.date_time` (date, time, date-time, clock status), :mod:`.compact` (compact-array and
TypeDescription), :mod:`.codec` (bytes), :mod:`.convert` (plain Python / JSON).
"""

from conformance.codec.axdr.codec import (
    MAX_COMPACT_VALUES,
    MAX_DEPTH,
    decode_data,
    encode_data,
    read_data,
    read_type_description,
    write_data,
    write_type_description,
)
from conformance.codec.axdr.compact import (
    ArrayTypeDescription,
    CompactArray,
    SimpleTypeDescription,
    StructureTypeDescription,
    TypeDescription,
)
from conformance.codec.axdr.convert import (
    description_from_json,
    from_json,
    from_python,
    to_json,
    to_python,
)
from conformance.codec.axdr.date_time import (
    DAYLIGHT_SAVINGS_BEGIN,
    DAYLIGHT_SAVINGS_END,
    LAST_DAY_OF_MONTH,
    NOT_SPECIFIED,
    SECOND_LAST_DAY_OF_MONTH,
    YEAR_NOT_SPECIFIED,
    ClockStatus,
    Date,
    DateTime,
    Time,
)
from conformance.codec.axdr.types import (
    Array,
    Bcd,
    BitString,
    Boolean,
    Data,
    DataTag,
    DontCare,
    DoubleLong,
    DoubleLongUnsigned,
    Enum,
    Float32,
    Float64,
    Integer,
    Long,
    Long64,
    Long64Unsigned,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    Unsigned,
    Utf8String,
    VisibleString,
)

__all__ = [
    "DAYLIGHT_SAVINGS_BEGIN",
    "DAYLIGHT_SAVINGS_END",
    "LAST_DAY_OF_MONTH",
    "MAX_COMPACT_VALUES",
    "MAX_DEPTH",
    "NOT_SPECIFIED",
    "SECOND_LAST_DAY_OF_MONTH",
    "YEAR_NOT_SPECIFIED",
    "Array",
    "ArrayTypeDescription",
    "Bcd",
    "BitString",
    "Boolean",
    "ClockStatus",
    "CompactArray",
    "Data",
    "DataTag",
    "Date",
    "DateTime",
    "DontCare",
    "DoubleLong",
    "DoubleLongUnsigned",
    "Enum",
    "Float32",
    "Float64",
    "Integer",
    "Long",
    "Long64",
    "Long64Unsigned",
    "LongUnsigned",
    "NullData",
    "OctetString",
    "SimpleTypeDescription",
    "Structure",
    "StructureTypeDescription",
    "Time",
    "TypeDescription",
    "Unsigned",
    "Utf8String",
    "VisibleString",
    "decode_data",
    "description_from_json",
    "encode_data",
    "from_json",
    "from_python",
    "read_data",
    "read_type_description",
    "to_json",
    "to_python",
    "write_data",
    "write_type_description",
]
