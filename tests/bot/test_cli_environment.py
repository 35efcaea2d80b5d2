"""The CLI's settings: the process environment over the values of a .env file."""

from __future__ import annotations

import os

import pytest

from bot.__main__ import environment


def test_values_come_from_the_env_file_and_the_environment_wins(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("WISMO_STORE_NAME=From the file\nWISMO_HOST=127.0.0.2\nBLANK=\n")
    monkeypatch.setenv("WISMO_HOST", "127.0.0.3")
    values = environment(str(env_file))
    assert values["WISMO_STORE_NAME"] == "From the file"
    assert values["WISMO_HOST"] == "127.0.0.3"
    assert values["BLANK"] == ""


@pytest.mark.parametrize("env_file", ["", None, "absent.env"])
def test_no_file_to_read_leaves_the_environment(env_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("WISMO_STORE_NAME=From a file not asked for\n")
    monkeypatch.setenv("WISMO_STORE_NAME", "From the environment")
    assert environment(env_file) == dict(os.environ)
