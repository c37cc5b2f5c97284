"""Build the optional C extensions: TensorBoard event files read fast, the EMA as a recurrence.

All other metadata lives in pyproject.toml. The extension is optional: without a C
compiler the install still succeeds and rlexplore falls back to its pure-Python parser
(same results, much slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "rlexplore.io._tfrecord",
            sources=["rlexplore/io/_tfrecord.c"],
            extra_compile_args=["-O3", "-std=c99", "-Wall", "-Wextra", "-Wno-unused-parameter"],
            optional=True,
        ),
        Extension(
            "rlexplore.transforms._smoothing",
            sources=["rlexplore/transforms/_smoothing.c"],
            # no fused multiply-add: the recurrence must round as TensorBoard's loop does
            extra_compile_args=["-O3", "-std=c99", "-ffp-contract=off", "-Wall", "-Wextra"],
            optional=True,
        ),
    ],
)
