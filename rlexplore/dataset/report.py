"""The load report: what was read, skipped and superseded, kept in ``ds.attrs``.

The report is a JSON-serializable dict stored as a JSON string under
``attrs["load_report"]``, so it survives netCDF and Zarr.
"""

from __future__ import annotations

import json
from typing import Any

import xarray as xr

from .schema import REPORT_ATTR


def get_report(ds: xr.Dataset) -> dict[str, Any]:
    """Return the load report attached to `ds` (an empty dict when there is none)."""
    text = ds.attrs.get(REPORT_ATTR)
    return json.loads(text) if text else {}


def set_report(ds: xr.Dataset, report: dict[str, Any]) -> xr.Dataset:
    """Attach `report` to `ds` in place and return `ds`.

    Raises
    ------
    ValueError
        If `report` is not JSON-serializable.
    """
    try:
        ds.attrs[REPORT_ATTR] = json.dumps(report, allow_nan=False, default=_plain)
    except (TypeError, ValueError) as err:
        raise ValueError(f"the load report is not JSON-serializable: {err}") from None
    return ds


def _plain(obj: Any) -> Any:
    """Turn numpy scalars into Python numbers for JSON."""
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"{type(obj).__name__} is not JSON-serializable")
