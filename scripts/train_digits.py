#!/usr/bin/env python3
"""Build zkpot's bundled real data set and float model: sklearn digits + a 64-32-10 ReLU MLP.

How to run (one-off; Python is not needed to build or test the Rust workspace):

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install scikit-learn numpy
    /tmp/venv/bin/python scripts/train_digits.py            # from the repository root

Versions used to produce the committed files: Python 3.11.7, scikit-learn 1.9.1,
numpy 2.4.6 (also recorded in data/digits/meta.json). Other versions may train a
slightly different model; the committed JSON files are the reference, not this script.

What it makes (all under data/digits/, overwritten each run):

* model.json -- the float model, format "zkpot-float-model" v1:
  dense(64->32), relu, dense(32->10). weights[i][j] is the weight from input i to
  output j (sklearn coefs_ layout, shape inputs x outputs), so a dense layer computes
  y = x W + b.
* test.json  -- the 500-sample held-out test split, format "zkpot-dataset" v1.
* full.json  -- all 1797 samples in the original load_digits() order, same format.
* meta.json  -- versions, seed, float train/test accuracy, command line.

Data: sklearn.datasets.load_digits() (1797 samples, 64 features with integer values
0..16, 10 classes); features are scaled by /16.0 so they lie in [0, 1].
Split (once, fixed seed): train_test_split(test_size=500, random_state=20261122,
stratify=y). Model: MLPClassifier(hidden_layer_sizes=(32,), activation='relu',
solver='adam', alpha=1e-4, max_iter=600, random_state=0) trained on the train split.

The script also checks that argmax of its own numpy forward pass
relu(x W1 + b1) W2 + b2 equals model.predict() on the test set.
"""

import json
import os
import platform
import shlex
import sys

import numpy as np
import sklearn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

SPLIT_SEED = 20261122
TEST_SIZE = 500
MODEL_SEED = 0

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT_DIR = os.path.join(ROOT, "data", "digits")


def to_floats(a):
    """Nested lists of Python floats (json writes them with repr, i.e. full precision)."""
    return [[float(v) for v in row] for row in a]


def dataset_json(name, X, y):
    return {
        "format": "zkpot-dataset",
        "version": 1,
        "name": name,
        "num_classes": 10,
        "features": to_floats(X),
        "labels": [int(v) for v in y],
    }


def write_json(path, obj, indent=None):
    with open(path, "w") as f:
        json.dump(obj, f, indent=indent, separators=(",", ": ") if indent else (",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)")


def forward(X, W1, b1, W2, b2):
    h = np.maximum(X @ W1 + b1, 0.0)
    return h @ W2 + b2


def main():
    digits = load_digits()
    X = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() >= 0.0 and X.max() <= 1.0

    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=SPLIT_SEED, stratify=y
    )

    clf = MLPClassifier(
        hidden_layer_sizes=(32,),
        activation="relu",
        solver="adam",
        alpha=1e-4,
        max_iter=600,
        random_state=MODEL_SEED,
    )
    clf.fit(X_train, y_train)

    W1, W2 = clf.coefs_
    b1, b2 = clf.intercepts_
    assert W1.shape == (64, 32) and b1.shape == (32,)
    assert W2.shape == (32, 10) and b2.shape == (10,)
    assert list(clf.classes_) == list(range(10))

    # Own forward pass must agree with sklearn on the test set.
    own_pred = np.argmax(forward(X_test, W1, b1, W2, b2), axis=1)
    sk_pred = clf.predict(X_test)
    mismatches = int(np.sum(own_pred != sk_pred))
    assert mismatches == 0, f"numpy forward pass disagrees with predict on {mismatches} samples"

    train_correct = int(np.sum(clf.predict(X_train) == y_train))
    test_correct = int(np.sum(own_pred == y_test))
    print(f"float train accuracy: {train_correct}/{len(y_train)} = {train_correct / len(y_train):.4f}")
    print(f"float test accuracy:  {test_correct}/{len(y_test)} = {test_correct / len(y_test):.4f}")
    print(f"iterations: {clf.n_iter_}")

    os.makedirs(OUT_DIR, exist_ok=True)
    model = {
        "format": "zkpot-float-model",
        "version": 1,
        "name": "digits-mlp-64-32-10",
        "input_dim": 64,
        "num_classes": 10,
        "layers": [
            {"type": "dense", "weights": to_floats(W1), "bias": [float(v) for v in b1]},
            {"type": "relu"},
            {"type": "dense", "weights": to_floats(W2), "bias": [float(v) for v in b2]},
        ],
    }
    write_json(os.path.join(OUT_DIR, "model.json"), model)
    write_json(os.path.join(OUT_DIR, "test.json"), dataset_json("digits-test", X_test, y_test))
    write_json(os.path.join(OUT_DIR, "full.json"), dataset_json("digits-full", X, y))

    meta = {
        "source": "sklearn.datasets.load_digits",
        "python_version": platform.python_version(),
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "feature_scaling": "x / 16.0",
        "split": {
            "function": "sklearn.model_selection.train_test_split",
            "test_size": TEST_SIZE,
            "random_state": SPLIT_SEED,
            "stratify": "y",
        },
        "model": {
            "class": "sklearn.neural_network.MLPClassifier",
            "hidden_layer_sizes": [32],
            "activation": "relu",
            "solver": "adam",
            "alpha": 1e-4,
            "max_iter": 600,
            "random_state": MODEL_SEED,
            "n_iter": int(clf.n_iter_),
        },
        "num_train": int(len(y_train)),
        "num_test": int(len(y_test)),
        "num_full": int(len(y)),
        "float_train_correct": train_correct,
        "float_train_accuracy": train_correct / len(y_train),
        "float_test_correct": test_correct,
        "float_test_accuracy": test_correct / len(y_test),
        "numpy_forward_matches_predict": True,
        "command": " ".join(shlex.quote(a) for a in ["python3"] + sys.argv),
    }
    write_json(os.path.join(OUT_DIR, "meta.json"), meta, indent=2)


if __name__ == "__main__":
    main()
