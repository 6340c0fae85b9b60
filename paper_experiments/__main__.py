"""``python -m paper_experiments``: see :mod:`paper_experiments.cli`."""

import sys

from paper_experiments.cli import main

sys.exit(main())
