#!/usr/bin/env python3
"""Build zkpot's second bundled real data set and float model: scikit-learn's breast-cancer
(Wisconsin diagnostic) set + a 30-16-2 ReLU MLP.

How to run (one-off; Python is not needed to build or test the Rust workspace):

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install scikit-learn numpy
    /tmp/venv/bin/python scripts/train_breast_cancer.py      # from the repository root

Versions used to produce the committed files: recorded in data/breast-cancer/meta.json. Other
versions may train a slightly different model; the committed JSON files are the reference,
not this script.

Data: sklearn.datasets.load_breast_cancer() (569 samples, 30 real features, 2 classes:
0 = malignant, 1 = benign), shipped inside the scikit-learn package. Split (fixed seed):
train_test_split(test_size=169, random_state=20261201, stratify=y). Features are standardized
with the *training* split's mean and standard deviation, and that standardization is part of
the data set (the committed features are already standardized; a provider evaluating other
data must apply meta.json's mean and std first). Standardized values are clipped to [-8, 8]
so they fit the fixed-point bound at every scale the default value bits allow.

Model: MLPClassifier(hidden_layer_sizes=(16,), activation='relu', alpha=1e-3, max_iter=2000,
random_state=0). For two classes scikit-learn has one logistic output z (class 1 iff z > 0);
zkpot's models end in one score per class, so the last layer is written as the two logits
[0, z]: argmax picks class 1 iff z > 0 (a tie z = 0 goes to class 0, as predict() does).

What it makes (all under data/breast-cancer/, overwritten each run):
* model.json -- float model: dense(30->16), relu, dense(16->2).
* test.json  -- the 169-sample test split, format "zkpot-dataset" v1.
* meta.json  -- versions, seeds, standardization, float accuracies.

The script checks that the argmax of its own numpy forward pass equals model.predict() on the
test split.
"""

import os
import platform

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from zkpot_files import dataset, mlp_model, write_json

SPLIT_SEED = 20261201
TEST_SIZE = 169
MODEL_SEED = 0
CLIP = 8.0

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT_DIR = os.path.join(ROOT, "data", "breast-cancer")


def main():
    data = load_breast_cancer()
    X, y = data.data, data.target
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=TEST_SIZE, random_state=SPLIT_SEED, stratify=y)
    mean, std = X_tr.mean(axis=0), X_tr.std(axis=0)
    std[std == 0] = 1.0
    norm = lambda a: np.clip((a - mean) / std, -CLIP, CLIP)
    X_tr, X_te = norm(X_tr), norm(X_te)

    clf = MLPClassifier(hidden_layer_sizes=(16,), activation="relu", alpha=1e-3, max_iter=2000, random_state=MODEL_SEED)
    clf.fit(X_tr, y_tr)
    W1, W2 = clf.coefs_
    b1, b2 = clf.intercepts_
    assert W2.shape == (16, 1)
    # two logits [0, z]
    W2x = np.concatenate([np.zeros_like(W2), W2], axis=1)
    b2x = np.concatenate([[0.0], b2])
    h = np.maximum(X_te @ W1 + b1, 0.0)
    ours = np.argmax(h @ W2x + b2x, axis=1)
    assert (ours == clf.predict(X_te)).all(), "forward pass disagrees with predict()"

    os.makedirs(OUT_DIR, exist_ok=True)
    model = mlp_model("breast-cancer-mlp", 30, 2, W1, b1, W2x, b2x)
    write_json(os.path.join(OUT_DIR, "model.json"), model, ROOT)
    test = dataset("breast-cancer-test", 2, X_te, labels=y_te)
    write_json(os.path.join(OUT_DIR, "test.json"), test, ROOT)
    meta = {
        "source": "sklearn.datasets.load_breast_cancer",
        "python_version": platform.python_version(),
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "classes": ["malignant", "benign"],
        "feature_names": [str(n) for n in data.feature_names],
        "standardization": {"mean": mean.tolist(), "std": std.tolist(), "clip": CLIP},
        "split": {"function": "sklearn.model_selection.train_test_split", "test_size": TEST_SIZE, "random_state": SPLIT_SEED, "stratify": "y"},
        "model": {"class": "sklearn.neural_network.MLPClassifier", "hidden_layer_sizes": [16], "activation": "relu", "alpha": 1e-3, "max_iter": 2000, "random_state": MODEL_SEED, "n_iter": int(clf.n_iter_)},
        "num_train": int(len(y_tr)),
        "num_test": int(len(y_te)),
        "float_train_correct": int((clf.predict(X_tr) == y_tr).sum()),
        "float_test_correct": int((ours == y_te).sum()),
    }
    write_json(os.path.join(OUT_DIR, "meta.json"), meta, ROOT, indent=2)
    print(f"float test accuracy: {meta['float_test_correct']}/{meta['num_test']}")


if __name__ == "__main__":
    main()
