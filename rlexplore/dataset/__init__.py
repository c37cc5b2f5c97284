"""The run × metric × step Dataset: schema, builder, conversions, load report."""

from .build import from_columns, hparam_coords
from .frame import from_dataframe, to_dataframe
from .report import FileEntry, LoadReport, get_report, load_report, set_report
from .schema import (
    LOGGED,
    METRIC,
    REPORT_ATTR,
    RUN,
    STEP,
    VALUE,
    WALL_TIME,
    validate,
)

__all__ = [
    "LOGGED",
    "METRIC",
    "REPORT_ATTR",
    "RUN",
    "STEP",
    "VALUE",
    "WALL_TIME",
    "FileEntry",
    "LoadReport",
    "from_columns",
    "from_dataframe",
    "get_report",
    "hparam_coords",
    "load_report",
    "set_report",
    "to_dataframe",
    "validate",
]
