"""The npm packages of js/package.json (kafkajs, @aws-sdk/client-sqs), installed with `npm ci`
from the checked-in lock file into $SLUICE_NPM_DIR (CMake points it into the build tree),
never into the source tree.

Several test files share the install, and ctest runs them in parallel: an exclusive lock
file makes one `npm ci` run while the others wait for it, instead of two writing the same
node_modules at once. node and npm must be on PATH, or the tests fail."""
import fcntl
import filecmp
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"
NPM_DIR = Path(os.environ.get("SLUICE_NPM_DIR", Path(tempfile.gettempdir()) / "sluice-npm"))


def require_tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not on PATH: the JS client tests need Node.js and npm installed "
                    f"(Debian packages nodejs and npm)", pytrace=False)
    return path


def _up_to_date():
    lock = NPM_DIR / "package-lock.json"
    return ((NPM_DIR / "node_modules" / ".package-lock.json").exists() and lock.exists()
            and filecmp.cmp(lock, JS_DIR / "package-lock.json", shallow=False))


def node_path(package, version):
    """NODE_PATH holding the lock file's packages, installed when missing or when the lock
    file changed since the last install; fails unless `package` resolves at `version`."""
    node = require_tool("node")
    npm = require_tool("npm")
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    with open(NPM_DIR / ".install.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        if not _up_to_date():
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(JS_DIR / name, NPM_DIR / name)
            result = subprocess.run(
                [npm, "ci", "--prefix", str(NPM_DIR), "--no-audit", "--no-fund"],
                capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                (NPM_DIR / "package-lock.json").unlink(missing_ok=True)
                pytest.fail(f"npm ci into {NPM_DIR} failed ({result.returncode}):\n"
                            f"{result.stdout}\n{result.stderr}", pytrace=False)
    modules = str(NPM_DIR / "node_modules")
    found = subprocess.run([node, "-p", f"require('{package}/package.json').version"],
                           env={**os.environ, "NODE_PATH": modules},
                           capture_output=True, text=True, timeout=30)
    assert found.stdout.strip() == version, found.stderr
    return modules
