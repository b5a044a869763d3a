"""scripts/install-system-packages.sh, run against stand-in commands (nothing is
installed): as root, the FandolFang download happens in a directory the _apt user owns,
so apt sandboxes it instead of warning "Download is performed unsandboxed as root"."""

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "install-system-packages.sh"

STUBS = {
    # Every system package present; the fonts missing, so the extraction runs.
    "dpkg-query": "printf 'install ok installed'",
    "ls": "exit 2",
    # As root; the _apt user exists (id -u _apt) when APT_USER_EXISTS is set.
    "id": 'if [ "$1" = -u ] && [ $# -eq 1 ]; then echo 0; '
    'elif [ -n "$APT_USER_EXISTS" ]; then echo 42; else exit 1; fi',
    "chown": 'echo "chown $*" >> "$LOG"',
    "apt-get": 'if [ "$1" = download ] || [ "$2" = download ]; then '
    'echo "download in $PWD" >> "$LOG"; fi',
    "dpkg-deb": "exit 0",
    "mkdir": "exit 0",
    "find": "exit 0",
    "fc-cache": "exit 0",
}


def run_script(tmp_path, **env):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in STUBS.items():
        stub = bin_dir / name
        stub.write_text(f"#!/bin/sh\n{body}\n")
        stub.chmod(0o755)
    log = tmp_path / "log"
    log.touch()
    environment = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "LOG": str(log),
        "TMPDIR": str(tmp_path),
        **env,
    }
    result = subprocess.run(
        ["bash", str(SCRIPT)], env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return log.read_text().splitlines()


@pytest.mark.skipif(os.name != "posix", reason="a shell script")
def test_the_font_download_directory_belongs_to_apt(tmp_path):
    lines = run_script(tmp_path, APT_USER_EXISTS="1")
    chown = [line for line in lines if line.startswith("chown")]
    download = [line for line in lines if line.startswith("download in")]
    assert len(chown) == 1 and len(download) == 1, lines
    work = download[0].removeprefix("download in ")
    assert chown[0] == f"chown _apt {work}"
    assert lines.index(chown[0]) < lines.index(download[0])


@pytest.mark.skipif(os.name != "posix", reason="a shell script")
def test_without_an_apt_user_nothing_is_chowned(tmp_path):
    lines = run_script(tmp_path)
    assert not [line for line in lines if line.startswith("chown")]
    assert [line for line in lines if line.startswith("download in")]
