"""``python -m kmeans_core``: see :mod:`kmeans_core.cli`."""

import sys

from .cli import main

sys.exit(main())
