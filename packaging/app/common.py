"""What the three spec files share: what goes into the app, and what stays out.

Imported by the spec files (PyInstaller runs them with SPECPATH set to this folder).
"""

from __future__ import annotations

from pathlib import Path

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ENTRY = str(HERE / "entry.py")
ICON_PNG = str(ROOT / "resources" / "icons" / "promptpress.png")
ICON_SVG = str(ROOT / "resources" / "icons" / "promptpress.svg")
NAME = "promptpress"

# Runtime hooks run at every start, before our code. nltk's (from pyinstaller-hooks-contrib)
# imports all of nltk to add a data path we never use (rouge-score only needs its Porter stemmer,
# imported lazily): it made start-up 2.4x slower. Dropped in analysis() below.
DROPPED_RUNTIME_HOOKS = frozenset({"pyi_rth_nltk", "pyi_rth_pkgres", "pyi_rth_setuptools"})

# Never needed by the app, large, or pulled in only through optional imports of our dependencies.
EXCLUDES = [
    "tkinter", "_tkinter", "matplotlib", "IPython", "jupyter", "notebook", "pytest", "hypothesis",
    "PyQt5", "PyQt6", "PySide2", "torch", "tensorflow", "pandas", "sklearn",
    "litellm.proxy.proxy_server", "fastapi", "uvicorn", "gunicorn", "prisma",
    # Only build-time tools, reached through fallbacks (litellm's pkg_resources branch for old
    # Pythons). In the bundle their runtime hooks import them at every start: ~0.75 s.
    "setuptools", "pkg_resources", "distutils", "_distutils_hack",
]


def _litellm_modules() -> list[str]:
    # litellm imports much of itself lazily (by name, at first use): take all of it but the
    # proxy server, which the app never runs.
    return collect_submodules("litellm", filter=lambda name: not name.startswith(
        ("litellm.proxy", "litellm.experimental_mcp_client", "litellm.integrations")))


def datas() -> list[tuple[str, str]]:
    found = []
    # The whole resources package: help files, price table, icons, and what is added later.
    found += collect_data_files("resources", include_py_files=True)
    # Alembic reads the migrations as files.
    found += collect_data_files("storage.workspace", include_py_files=True,
                                includes=["migrations/**/*"])
    # litellm's data: its price table (model_prices_and_context_window_backup.json), tokenizers.
    found += collect_data_files("litellm", excludes=["proxy/**", "**/*.md"])
    return found


def hiddenimports() -> list[str]:
    return (
        _litellm_modules()
        + collect_submodules("desktop")
        + collect_submodules("storage")
        + collect_submodules("resources")
        + ["tiktoken_ext", "tiktoken_ext.openai_public", "qasync", "keyring.backends"]
        + collect_submodules("keyring.backends")
    )


def analysis(Analysis):  # noqa: N803 (PyInstaller's class, passed in from the spec's globals)
    a = Analysis(
        [ENTRY],
        pathex=[str(ROOT)],
        datas=datas(),
        hiddenimports=hiddenimports(),
        excludes=EXCLUDES,
        noarchive=False,
    )
    a.scripts = [s for s in a.scripts if s[0] not in DROPPED_RUNTIME_HOOKS]
    return a
