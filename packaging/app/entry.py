"""The frozen app's entry point (PyInstaller's script): `desktop.main` with the app's environment.

litellm must read its price table from the copy bundled with it, never fetch it: set before
anything can import litellm.
"""

import os
import sys

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

from desktop.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
