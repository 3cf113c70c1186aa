"""The one list of Debian packages (system-packages.txt) names everything the app and suite need.

`make run`/`make test` install from that list on a fresh machine, so a package the code needs but
the list lacks would only show up there. These tests catch it here: every listed package is
installed, every external tool the suite calls and every system file the documents load comes
from a listed package, and WeasyPrint imports without a warning (it warns, for one, when
libharfbuzz-subset0 is missing).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools import TOOLS

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "system-packages.txt"


def listed_packages() -> dict[str, str]:
    """package -> who needs it (`run` or `test`), read as the Makefile reads the list."""
    packages = {}
    for line in LIST.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, scope, *_why = line.split()
            packages[name] = scope
    return packages


def require_dpkg() -> None:
    """These checks need Debian's package database; only CI insists on one."""
    if shutil.which("dpkg-query") is None:
        if os.environ.get("CI"):
            pytest.fail("CI runs on Debian: dpkg-query is missing", pytrace=False)
        pytest.skip("not a Debian system (no dpkg-query)")


def package_of(path: str) -> str:
    """The Debian package that installed `path` (dpkg -S)."""
    result = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
    assert result.returncode == 0, f"{path} belongs to no installed package: {result.stderr.strip()}"
    return result.stdout.split(":", 1)[0]


def test_the_list_is_well_formed():
    packages = listed_packages()
    assert set(packages.values()) <= {"run", "test"}
    assert {"libpango-1.0-0", "libharfbuzz-subset0", "chromium", "hledger", "qpdf",
            "poppler-utils"} <= set(packages)


def test_every_listed_package_is_installed():
    require_dpkg()
    missing = []
    for package in listed_packages():
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                                capture_output=True, text=True).stdout
        if status != "install ok installed":
            missing.append(package)
    assert not missing, f"not installed: {missing} (make system-packages installs them as root)"


def test_every_tool_the_suite_calls_comes_from_a_listed_package():
    require_dpkg()
    packages = listed_packages()
    for name, (executable, package) in TOOLS.items():
        assert package in packages, f"{name}'s package {package} is not in system-packages.txt"
        path = shutil.which(executable)
        assert path, f"{executable} is not installed"
        assert package_of(os.path.realpath(path)) == package


def test_every_system_file_the_documents_load_comes_from_a_package_the_app_needs():
    require_dpkg()
    run_packages = {name for name, scope in listed_packages().items() if scope == "run"}
    referenced = set()
    for folder in (ROOT / "app", ROOT / "reports"):
        for source in folder.rglob("*"):
            if source.suffix in {".css", ".html", ".py"}:
                referenced |= set(re.findall(r"file://(/[^\"')\s]+)", source.read_text(encoding="utf-8")))
    assert referenced, "the documents load their fonts from the system: expected file:// URLs"
    for path in sorted(referenced):
        assert package_of(path) in run_packages, f"{path}: its package is not a `run` package"


def test_weasyprint_finds_every_library_it_wants():
    result = subprocess.run([sys.executable, "-W", "error", "-c", "import weasyprint"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr.strip().splitlines()[-1:]
