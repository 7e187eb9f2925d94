"""`python -m pytest_daos.docs`: see the package's docstring."""

import sys

from . import main

sys.exit(main())
