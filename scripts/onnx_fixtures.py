#!/usr/bin/env python3
"""Make the ONNX test fixtures of zkpot-onnx (onnx/tests/fixtures/), exported by common tools.

How to run (one-off; Python is not needed to build or test the Rust workspace, which reads
the committed files):

    python3 -m venv /tmp/onnxvenv
    /tmp/onnxvenv/bin/pip install numpy scikit-learn skl2onnx onnx onnxruntime onnxscript torch
    /tmp/onnxvenv/bin/python scripts/onnx_fixtures.py       # from the repository root

Versions used for the committed files are recorded in onnx/tests/fixtures/versions.json.
Other versions may train slightly different models; the committed files are the reference.

Data: sklearn.datasets.load_digits() scaled by /16, split exactly as scripts/train_digits.py
(train_test_split(test_size=500, random_state=20261122, stratify=y)); the test split is the
bundled data/digits/test.json.

What it makes (each model with a <name>.expected.json holding the exporter's own outputs):

* digits_mlp_sklearn.onnx -- skl2onnx export of MLPClassifier(hidden_layer_sizes=(32,),
  relu, adam, alpha=1e-4, max_iter=600, random_state=0), the bundled model's recipe.
  Input [None, 64] (dynamic batch). Graph: Cast, MatMul, Add, Relu, MatMul, Add, then
  Softmax/ArgMax/ArrayFeatureExtractor/Cast post-processing (zipmap disabled).
  Expected: onnxruntime probabilities and labels.
* digits_mlp_torch.onnx -- PyTorch nn.Sequential(reshape(-1, 64), Linear(64,32), ReLU,
  Linear(32,10)) on [batch, 1, 8, 8] images, torch.onnx.export (TorchScript exporter,
  dynamo=False) with dynamic_axes on the batch: Reshape, Gemm (transB=1), Relu, Gemm.
  Expected: PyTorch logits.
* digits_mlp_torch_dynamo.onnx, digits_cnn_torch_dynamo.onnx -- the same two PyTorch models
  exported with the torch.export-based exporter (dynamo=True, torch's default since 2.9,
  opset 20, dynamic_shapes on the batch); their expected outputs are the TorchScript ones'.
* digits_cnn_torch.onnx -- PyTorch CNN on 1x8x8 images: Conv(1->6, 3x3, pad 1), ReLU,
  MaxPool(2), Conv(6->8, 3x3, stride 2, pad 1), ReLU, AvgPool(2, stride 1, pad 1,
  count_include_pad=False), Flatten, Linear(72->10); dynamic batch. Expected: PyTorch logits.
  The torch models are trained full-batch with Adam (lr 0.01, 300 steps, torch.manual_seed(0)).
* unsupported_sigmoid.onnx -- hand-made with onnx.helper: Gemm, Sigmoid (node 'sigmoid1'),
  Gemm: zkpot must refuse it naming the node and operator.

Each .expected.json: {"inputs": first 4 test samples, "outputs": the exporter's outputs for
them, "predictions": the exporter's argmax on all 500 test samples, "float_correct": how many
are right}.
"""

import json
import os
import platform

import numpy as np
import onnx
import onnxruntime as ort
import onnxscript
import sklearn
import skl2onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

SPLIT_SEED = 20261122
TEST_SIZE = 500
N_EXPECTED = 4

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT_DIR = os.path.join(ROOT, "onnx", "tests", "fixtures")


def data():
    digits = load_digits()
    X = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    return train_test_split(X, y, test_size=TEST_SIZE, random_state=SPLIT_SEED, stratify=y)


def write_json(name, obj):
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)")


def save_model(name, model):
    onnx.checker.check_model(model)
    path = os.path.join(OUT_DIR, name)
    onnx.save(model, path)
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)")
    return path


def expected(name, X_test, y_test, outputs_first, predictions, extra=None):
    obj = {
        "inputs": [[float(v) for v in row] for row in X_test[:N_EXPECTED]],
        "outputs": [[float(v) for v in row] for row in outputs_first],
        "predictions": [int(p) for p in predictions],
        "float_correct": int(np.sum(np.asarray(predictions) == y_test)),
    }
    obj.update(extra or {})
    write_json(name, obj)


def ort_run(path, X):
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return sess.run(None, {name: X})


def sklearn_mlp(X_train, X_test, y_train, y_test):
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    clf = MLPClassifier(hidden_layer_sizes=(32,), activation="relu", solver="adam", alpha=1e-4, max_iter=600, random_state=0)
    clf.fit(X_train, y_train)
    model = to_onnx(
        clf,
        initial_types=[("input", FloatTensorType([None, 64]))],
        options={id(clf): {"zipmap": False}},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    path = save_model("digits_mlp_sklearn.onnx", model)
    labels, probs = ort_run(path, X_test.astype(np.float32))
    agree = int(np.sum(labels == clf.predict(X_test)))
    print(f"sklearn MLP: onnxruntime labels agree with sklearn on {agree}/{len(y_test)}")
    expected("digits_mlp_sklearn.expected.json", X_test, y_test, probs[:N_EXPECTED], labels,
             {"outputs_are": "onnxruntime probabilities (softmax of the scores)"})


def torch_models(X_train, X_test, y_train, y_test):
    import torch
    from torch import nn

    torch.manual_seed(0)
    Xtr = torch.tensor(X_train, dtype=torch.float32)
    ytr = torch.tensor(y_train)
    Xte = torch.tensor(X_test, dtype=torch.float32)

    def train(model, shape, epochs):
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        xs = Xtr.reshape(shape)
        for _ in range(epochs):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xs), ytr)
            loss.backward()
            opt.step()
        model.eval()
        return model

    def export(model, shape, name):
        """Exports twice: the TorchScript exporter (dynamo=False, opset 17, dynamic_axes) to
        <name>.onnx and the torch.export-based exporter (dynamo=True, the default since torch
        2.9; opset 20, dynamic_shapes) to <name>_dynamo.onnx."""
        dummy = Xte[:2].reshape(shape)
        path = os.path.join(OUT_DIR, name + ".onnx")
        torch.onnx.export(
            model, (dummy,), path, input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=17, do_constant_folding=True, dynamo=False,
        )
        dyn_path = os.path.join(OUT_DIR, name + "_dynamo.onnx")
        torch.onnx.export(
            model, (dummy,), dyn_path, input_names=["input"], output_names=["logits"],
            dynamic_shapes=({0: torch.export.Dim("batch")},), dynamo=True, optimize=True,
        )
        with torch.no_grad():
            logits = model(Xte.reshape(shape)).numpy()
        for p in (path, dyn_path):
            onnx.checker.check_model(onnx.load(p))
            print(f"wrote {os.path.relpath(p, ROOT)} ({os.path.getsize(p)} bytes)")
            (ort_logits,) = ort_run(p, X_test.astype(np.float32).reshape(shape))
            print(f"{os.path.basename(p)}: max |torch - onnxruntime| = {np.abs(logits - ort_logits).max():.2e}")
        return logits

    class Rows(nn.Module):
        """x.reshape(-1, 64): exported as Reshape with a constant shape."""

        def forward(self, x):
            return x.reshape(-1, 64)

    mlp = train(nn.Sequential(Rows(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)), (-1, 1, 8, 8), 300)
    logits = export(mlp, (-1, 1, 8, 8), "digits_mlp_torch")
    expected("digits_mlp_torch.expected.json", X_test, y_test, logits[:N_EXPECTED], logits.argmax(1),
             {"outputs_are": "PyTorch logits", "input_shape": [1, 8, 8]})

    cnn = nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 8, 3, stride=2, padding=1), nn.ReLU(),
        nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=False),
        nn.Flatten(), nn.Linear(72, 10),
    )
    cnn = train(cnn, (-1, 1, 8, 8), 300)
    logits = export(cnn, (-1, 1, 8, 8), "digits_cnn_torch")
    expected("digits_cnn_torch.expected.json", X_test, y_test, logits[:N_EXPECTED], logits.argmax(1),
             {"outputs_are": "PyTorch logits", "input_shape": [1, 8, 8]})
    return torch.__version__


def unsupported_sigmoid():
    rng = np.random.default_rng(0)
    w1 = numpy_helper.from_array(rng.normal(size=(64, 16)).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(np.zeros(16, np.float32), "b1")
    w2 = numpy_helper.from_array(rng.normal(size=(16, 10)).astype(np.float32), "w2")
    b2 = numpy_helper.from_array(np.zeros(10, np.float32), "b2")
    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["input", "w1", "b1"], ["h"], name="dense1"),
            helper.make_node("Sigmoid", ["h"], ["s"], name="sigmoid1"),
            helper.make_node("Gemm", ["s", "w2", "b2"], ["scores"], name="dense2"),
        ],
        "sigmoid_mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 64])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", 10])],
        [w1, b1, w2, b2],
    )
    model = helper.make_model(graph, producer_name="onnx.helper", opset_imports=[helper.make_opsetid("", 17)])
    save_model("unsupported_sigmoid.onnx", model)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    X_train, X_test, y_train, y_test = data()
    sklearn_mlp(X_train, X_test, y_train, y_test)
    torch_version = torch_models(X_train, X_test, y_train, y_test)
    unsupported_sigmoid()
    write_json("versions.json", {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "skl2onnx": skl2onnx.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "onnxscript": onnxscript.__version__,
        "torch": torch_version,
        "command": "python scripts/onnx_fixtures.py",
    })


if __name__ == "__main__":
    main()
