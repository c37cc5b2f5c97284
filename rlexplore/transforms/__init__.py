"""Pure functions on numpy arrays and xarray objects: no widgets, no files."""

from .smoothing import METHODS, check_weight, ema, gaussian, running_mean, smooth, window_for_weight

__all__ = ["METHODS", "check_weight", "ema", "gaussian", "running_mean", "smooth", "window_for_weight"]
