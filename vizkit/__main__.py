"""``python -m vizkit`` is the ``vizkit`` command."""

import sys

from vizkit.cli import main

sys.exit(main())
