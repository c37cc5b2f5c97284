"""Build the optional C extension that reads TensorBoard event files fast.

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
        )
    ],
)
