"""Pure functions on numpy arrays and xarray objects: no widgets, no files."""

from .downsample import arg_downsample, arg_downsample_many, minmax_band, pixel_columns
from .smoothing import METHODS, check_weight, ema, gaussian, running_mean, smooth, window_for_weight

__all__ = [
    "METHODS",
    "arg_downsample",
    "arg_downsample_many",
    "check_weight",
    "ema",
    "gaussian",
    "minmax_band",
    "pixel_columns",
    "running_mean",
    "smooth",
    "window_for_weight",
]
