"""The zkpot file formats the training scripts write (shared by train_breast_cancer.py and
train_diabetes.py): a one-hidden-layer ReLU MLP as a "zkpot-float-model" v1, a test split as a
"zkpot-dataset" v1 (class labels, or regression targets with num_classes = 1), and the JSON
writer. Spec: docs/validation-function.md, sections 3 and 4."""

import json
import os


def write_json(path, obj, root, indent=None):
    with open(path, "w") as f:
        json.dump(obj, f, indent=indent, separators=(",", ": ") if indent else (",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path, root)} ({os.path.getsize(path)} bytes)")


def mlp_model(name, input_dim, num_classes, W1, b1, W2, b2):
    """dense(W1, b1), relu, dense(W2, b2); weights are [inputs][outputs]."""
    return {
        "format": "zkpot-float-model",
        "version": 1,
        "name": name,
        "input_dim": input_dim,
        "num_classes": num_classes,
        "layers": [
            {"type": "dense", "weights": W1.tolist(), "bias": b1.tolist()},
            {"type": "relu"},
            {"type": "dense", "weights": W2.tolist(), "bias": b2.tolist()},
        ],
    }


def dataset(name, num_classes, X, labels=None, targets=None):
    """A test set with integer labels, or (num_classes = 1) real targets."""
    d = {
        "format": "zkpot-dataset",
        "version": 1,
        "name": name,
        "num_classes": num_classes,
        "features": [[float(v) for v in row] for row in X],
    }
    if labels is not None:
        d["labels"] = [int(v) for v in labels]
    if targets is not None:
        d["targets"] = [float(v) for v in targets]
    return d
