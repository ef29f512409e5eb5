"""``python -m safeguard_qa``."""

import sys

from safeguard_qa.cli import main

sys.exit(main())
