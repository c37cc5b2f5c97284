"""``python -m rlexplore`` runs the ``rlexplore`` command."""

import sys

from .cli import main

sys.exit(main())
