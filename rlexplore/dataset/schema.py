"""The rlexplore data model: names of dimensions and variables, and :func:`validate`.

A training log is one :class:`xarray.Dataset`:

``value`` (run, metric, step), float64
    The logged scalars; NaN where a run did not log that metric at that step.
``wall_time`` (run, step), float64, optional
    Seconds since the epoch at which the run logged that step.
``logged`` (run, metric, step), bool, optional
    Present only when some logged value is itself NaN: it tells a logged NaN from a
    step that was not logged. Without it, ``logged == value.notnull()``.
coordinates
    ``run`` (unique str), ``metric`` (unique str, full hierarchical names such as
    ``actor/kl_loss``), ``step`` (int64, strictly increasing); per-run metadata as
    extra coordinates along ``run`` (``source``, ``format``, hyperparameters as
    ``hp.<name>``).
``attrs["load_report"]``
    The load report as a JSON string (so it survives netCDF and Zarr).
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

RUN = "run"
METRIC = "metric"
STEP = "step"
VALUE = "value"
WALL_TIME = "wall_time"
LOGGED = "logged"
REPORT_ATTR = "load_report"
HPARAM_PREFIX = "hp."

VALUE_DIMS = (RUN, METRIC, STEP)
WALL_TIME_DIMS = (RUN, STEP)


def validate(ds: xr.Dataset) -> xr.Dataset:
    """Check that `ds` follows the rlexplore data model.

    Parameters
    ----------
    ds : xarray.Dataset
        The dataset to check.

    Returns
    -------
    xarray.Dataset
        `ds` itself, so the call can be chained.

    Raises
    ------
    ValueError
        Naming every problem found, one per line.

    Examples
    --------
    >>> import rlexplore as rlx
    >>> _ = rlx.validate(rlx.demo("dashboard"))
    """
    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"expected an xarray.Dataset, got {type(ds).__name__}")
    problems = _value_problems(ds)
    if not problems:
        problems += _coord_problems(ds) + _optional_problems(ds)
    if problems:
        raise ValueError("not an rlexplore dataset:\n- " + "\n- ".join(problems))
    return ds


def _value_problems(ds: xr.Dataset) -> list[str]:
    if VALUE not in ds.data_vars:
        return [f"no data variable {VALUE!r} (data variables: {list(ds.data_vars)})"]
    var = ds[VALUE]
    problems = []
    if var.dims != VALUE_DIMS:
        problems.append(f"{VALUE!r} has dims {var.dims}, expected {VALUE_DIMS}")
    if var.dtype != np.float64:
        problems.append(f"{VALUE!r} has dtype {var.dtype}, expected float64")
    return problems


def _coord_problems(ds: xr.Dataset) -> list[str]:
    problems = []
    for name in (RUN, METRIC):
        problems += _label_problems(ds, name)
    if STEP not in ds.coords:
        return problems + [f"no coordinate {STEP!r}"]
    step = ds[STEP].values
    if step.dtype != np.int64:
        problems.append(f"coordinate {STEP!r} has dtype {step.dtype}, expected int64")
    elif step.size > 1 and not np.all(step[1:] > step[:-1]):  # no np.diff: int64 overflow
        at = int(np.argmax(step[1:] <= step[:-1]))
        problems.append(
            f"coordinate {STEP!r} is not strictly increasing "
            f"(position {at + 1}: {step[at]} then {step[at + 1]})"
        )
    return problems


def _label_problems(ds: xr.Dataset, name: str) -> list[str]:
    if name not in ds.coords:
        return [f"no coordinate {name!r}"]
    labels = ds[name].values
    bad = [v for v in labels if not isinstance(v, str)]
    if bad:
        return [f"coordinate {name!r} holds non-strings, e.g. {bad[0]!r}"]
    seen: set[str] = set()
    dups = sorted({v for v in labels if v in seen or _add(seen, v)})
    if dups:
        return [f"coordinate {name!r} has duplicates: {dups[:5]}"]
    return []


def _optional_problems(ds: xr.Dataset) -> list[str]:
    problems = []
    expected = {WALL_TIME: (WALL_TIME_DIMS, np.float64), LOGGED: (VALUE_DIMS, np.bool_)}
    for name, (dims, dtype) in expected.items():
        if name in ds.data_vars:
            var = ds[name]
            if var.dims != dims or var.dtype != dtype:
                problems.append(
                    f"{name!r} has dims {var.dims} and dtype {var.dtype}, "
                    f"expected {dims} and {np.dtype(dtype)}"
                )
    for key, coord in ds.coords.items():
        if key not in (RUN, METRIC, STEP) and coord.dims != (RUN,):
            problems.append(f"extra coordinate {key!r} has dims {coord.dims}, expected ('run',)")
    if REPORT_ATTR in ds.attrs:
        try:
            json.loads(ds.attrs[REPORT_ATTR])
        except (TypeError, ValueError, RecursionError):
            problems.append(f"attrs[{REPORT_ATTR!r}] is not a JSON string")
    return problems


def storable(text: str) -> str:
    r"""`text` as a name netCDF and Zarr can store: lone surrogates written as ``\xNN`` bytes.

    Names that are not valid UTF-8 (a directory name in another encoding, read by Python
    with surrogate escapes; an escaped lone surrogate in a JSON key) cannot be encoded;
    their bytes are escaped instead, so the name stays readable and distinct.
    """
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        if _only_escapes(text):
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _only_escapes(text: str) -> bool:
    """Whether every surrogate in `text` is a surrogate escape (U+DC80..U+DCFF) of a byte."""
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text)


def _add(seen: set[str], v: str) -> bool:
    """Add `v` to `seen`; False (so that a comprehension can note and test at once)."""
    seen.add(v)
    return False
