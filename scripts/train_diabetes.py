#!/usr/bin/env python3
"""Build zkpot's bundled regression data set and float model: scikit-learn's diabetes set + a
10-16-1 ReLU MLP regressor (scored by mean squared error, `--score mse`).

How to run (one-off; Python is not needed to build or test the Rust workspace):

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install scikit-learn numpy
    /tmp/venv/bin/python scripts/train_diabetes.py      # from the repository root

Versions used to produce the committed files: recorded in data/diabetes/meta.json. Other
versions may train a slightly different model; the committed JSON files are the reference,
not this script.

Data: sklearn.datasets.load_diabetes(scaled=False) (442 samples, 10 real features, a real
target: disease progression one year after baseline), shipped inside the scikit-learn
package. Split (fixed seed): train_test_split(test_size=112, random_state=20261201).
Features *and the target* are standardized with the *training* split's mean and standard
deviation, and that standardization is part of the data set (the committed features and
targets are already standardized; a provider evaluating other data must apply meta.json's
mean and std first, and a target in original units is y * target_std + target_mean, so an MSE
in original units is the standardized MSE times target_std^2). Standardized values are clipped
to [-8, 8] so they fit the fixed-point bound at every scale the default value bits allow.

Model: MLPRegressor(hidden_layer_sizes=(16,), activation='relu', alpha=10.0, max_iter=3000,
random_state=0), written as zkpot's float model dense(10->16), relu, dense(16->1) with
num_classes = 1 (a single-output regression model).

What it makes (all under data/diabetes/, overwritten each run):
* model.json -- the float model.
* test.json  -- the 112-sample test split, format "zkpot-dataset" v1, num_classes = 1 and
  "targets" (real numbers) instead of "labels".
* meta.json  -- versions, seeds, standardization, float MSEs (standardized units).

The script checks that its own numpy forward pass equals model.predict() on the test split.
"""

import os
import platform

import numpy as np
import sklearn
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor

from zkpot_files import dataset, mlp_model, write_json

SPLIT_SEED = 20261201
TEST_SIZE = 112
MODEL_SEED = 0
ALPHA = 10.0
CLIP = 8.0

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT_DIR = os.path.join(ROOT, "data", "diabetes")


def main():
    data = load_diabetes(scaled=False)
    X, y = data.data, data.target
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=TEST_SIZE, random_state=SPLIT_SEED)
    mean, std = X_tr.mean(axis=0), X_tr.std(axis=0)
    std[std == 0] = 1.0
    y_mean, y_std = float(y_tr.mean()), float(y_tr.std())
    norm = lambda a: np.clip((a - mean) / std, -CLIP, CLIP)
    norm_y = lambda t: np.clip((t - y_mean) / y_std, -CLIP, CLIP)
    X_tr, X_te, y_tr, y_te = norm(X_tr), norm(X_te), norm_y(y_tr), norm_y(y_te)

    reg = MLPRegressor(hidden_layer_sizes=(16,), activation="relu", alpha=ALPHA, max_iter=3000, random_state=MODEL_SEED)
    reg.fit(X_tr, y_tr)
    W1, W2 = reg.coefs_
    b1, b2 = reg.intercepts_
    assert W2.shape == (16, 1)
    h = np.maximum(X_te @ W1 + b1, 0.0)
    ours = (h @ W2 + b2)[:, 0]
    assert np.allclose(ours, reg.predict(X_te)), "forward pass disagrees with predict()"

    os.makedirs(OUT_DIR, exist_ok=True)
    model = mlp_model("diabetes-mlp", 10, 1, W1, b1, W2, b2)
    write_json(os.path.join(OUT_DIR, "model.json"), model, ROOT)
    test = dataset("diabetes-test", 1, X_te, targets=y_te)
    write_json(os.path.join(OUT_DIR, "test.json"), test, ROOT)
    meta = {
        "source": "sklearn.datasets.load_diabetes(scaled=False)",
        "python_version": platform.python_version(),
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "task": "regression (single output), score function mse",
        "feature_names": [str(n) for n in data.feature_names],
        "standardization": {"mean": mean.tolist(), "std": std.tolist(), "target_mean": y_mean, "target_std": y_std, "clip": CLIP},
        "split": {"function": "sklearn.model_selection.train_test_split", "test_size": TEST_SIZE, "random_state": SPLIT_SEED},
        "model": {"class": "sklearn.neural_network.MLPRegressor", "hidden_layer_sizes": [16], "activation": "relu", "alpha": ALPHA, "max_iter": 3000, "random_state": MODEL_SEED, "n_iter": int(reg.n_iter_)},
        "num_train": int(len(y_tr)),
        "num_test": int(len(y_te)),
        "float_train_mse": float(((reg.predict(X_tr) - y_tr) ** 2).mean()),
        "float_test_mse": float(((ours - y_te) ** 2).mean()),
    }
    write_json(os.path.join(OUT_DIR, "meta.json"), meta, ROOT, indent=2)
    print(f"float test MSE (standardized target): {meta['float_test_mse']:.6f} on {meta['num_test']} samples")


if __name__ == "__main__":
    main()
