"""The package as a user gets it, by the main README's own words: its "## Python" install block runs as
written, in bash, from the clone, with an empty home folder (the wheel built without build isolation,
installed into a new virtual environment with no index), then the README's quickstart runs in that
environment, outside the repository, against the real API, and its gate() continues when a person
approves."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import ROOT, Org

README = ROOT / "README.md"


def python_section() -> str:
    text = README.read_text()
    section = next((part for part in re.split(r"^## ", text, flags=re.M) if part.startswith("Python\n")), None)
    assert section is not None, 'README.md has no "## Python" section'
    return section


def block(language: str) -> str:
    found = re.search(rf"^```{language}\n(.*?)^```$", python_section(), flags=re.M | re.S)
    assert found is not None, f'README.md\'s "## Python" has no {language} block'
    return found.group(1)


@pytest.mark.skipif(shutil.which("bash") is None, reason="the README's block is bash")
def test_the_readme_install_block_gives_a_working_client_in_a_new_environment(org: Org, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    python_dir = tmp_path / "bin"
    python_dir.mkdir()
    # Another `python3` first on PATH (pyenv's, conda's: no hatchling, no httpx): the block must not use it
    # (issue 44: it failed with "No module named 'hatchling'", then a missing .whl). The block names the system's.
    other = python_dir / "python3"
    other.write_text("#!/bin/sh\necho \"No module named 'hatchling' (the python3 first on PATH)\" >&2\nexit 1\n")
    other.chmod(0o755)
    shell = {
        "HOME": str(home),
        "PATH": f"{python_dir}:{os.environ['PATH']}",
        # Only what the block itself asks for: no machine-wide pip index or wheel folder.
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    shutil.rmtree(ROOT / "packages" / "sdk-python" / "dist", ignore_errors=True)
    built = subprocess.run(["bash", "-e", "-c", block("bash")], cwd=ROOT, env=shell, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr

    venv_python = home / "my-agent" / ".venv" / "bin" / "python"
    where = subprocess.run(
        [str(venv_python), "-c", "import gatehouse, httpx; print(gatehouse.__file__); print(gatehouse.__version__)"],
        cwd=home,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert where.returncode == 0, where.stderr
    location, version = where.stdout.split()
    assert location.startswith(str(home / "my-agent" / ".venv")) and version == "0.1.0"

    script = home / "quickstart.py"
    script.write_text(block("python"))
    run = subprocess.Popen(
        [str(venv_python), str(script)],
        cwd=home,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "GATEHOUSE_API_KEY": org.agent_key, "GATEHOUSE_BASE_URL": org.server.api},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert run.stdout is not None
    first = run.stdout.readline()
    asked = re.search(r"apr_[0-9A-Za-z]{22}", first)
    assert asked is not None, first + (run.stderr.read() if run.stderr else "")
    threading.Thread(target=org.decide, args=(asked.group(), "approve")).start()
    out, err = run.communicate(timeout=30)
    assert run.returncode == 0, err
    assert re.fullmatch(r"deploying aud_\S+\n", out), out
