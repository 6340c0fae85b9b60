import sys

from iht.cli import main

sys.exit(main())
