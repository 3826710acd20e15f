"""Shared fixtures: a tiny model and data set (8-bit values, k = 9: proofs in about a second),
a work directory per test, and where the built `zkpot` binary is (for comparing messages)."""

import os
import pathlib

import pytest

TINY_MODEL = {
    "format": "zkpot-float-model", "version": 1, "name": "tiny", "input_dim": 3, "num_classes": 3,
    "layers": [
        {"type": "dense", "weights": [[0.5, -0.25, 0.125, 1.0], [-0.5, 0.75, 0.25, -0.125], [0.25, 0.5, -0.75, 0.5]], "bias": [0.125, -0.25, 0.0, 0.25]},
        {"type": "relu"},
        {"type": "dense", "weights": [[0.5, -0.5, 0.25], [0.25, 0.75, -0.5], [-0.25, 0.5, 0.75], [0.75, -0.25, 0.5]], "bias": [0.0, 0.125, -0.125]},
    ],
}
TINY_FEATURES = [[1.0, 0.5, -0.5], [0.25, -1.0, 2.0], [-1.5, 0.75, 0.5], [2.0, 1.0, 1.0], [0.0, 0.0, 0.5]]
TINY_LABELS = [0, 2, 1, 0, 2]
Q = {"scale_bits": 3, "value_bits": 8}

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A fresh directory, made current, with its own key cache."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ZKPOT_CACHE", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture
def zkpot_bin():
    p = ROOT / "target" / "release" / "zkpot"
    if not p.exists():
        pytest.skip("target/release/zkpot is not built")
    return str(p)
