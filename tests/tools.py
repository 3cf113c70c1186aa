"""External programs the suite calls, and the one rule for a missing one.

With `CI` set every test that needs a tool runs, and fails if the tool is missing; without it
the test skips with a reason naming the Debian package to install. Each tool's package is in
system-packages.txt (tests/test_system_packages.py checks that it is).
"""

from __future__ import annotations

import os
import shutil

import pytest

# tool -> (the executable the tests run, the Debian package that ships it)
TOOLS: dict[str, tuple[str, str]] = {
    "chromium": ("/usr/bin/chromium", "chromium"),
    "hledger": ("hledger", "hledger"),
    "qpdf": ("qpdf", "qpdf"),
    "pdftotext": ("pdftotext", "poppler-utils"),
    "pdftoppm": ("pdftoppm", "poppler-utils"),
}


def require_tool(name: str) -> str:
    """The path of tool `name`; when it is missing, fail under CI and skip elsewhere."""
    executable, package = TOOLS[name]
    path = shutil.which(executable)
    if path:
        return path
    reason = f"{executable} is missing: install Debian's {package} package (see system-packages.txt)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; with CI set every test must run", pytrace=False)
    pytest.skip(reason)
