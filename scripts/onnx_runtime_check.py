"""Checks dlg's exported ONNX models against ONNX Runtime (docs/onnx.md).

  onnx_runtime_check.py FOLDER

FOLDER holds NAME.onnx, NAME.input.npy and NAME.output.npy for each model (the test suite
writes them with DLG_ONNX_CHECK_DIR set). Each model must pass onnx.checker, load in ONNX
Runtime (2 intra-op threads, sequential, all graph optimizations), and give dlg's outputs to
within 1e-4. Prints one line per model; exits 1 if any fails.
"""
import glob
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

TOLERANCE = 1e-4


def check(path):
    name = path[: -len(".onnx")]
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    x = np.load(name + ".input.npy")
    feed = session.get_inputs()[0]
    if "int" in feed.type:
        x = x.astype(np.int32)
    else:
        x = x.astype(np.float32)
    actual = session.run(None, {feed.name: x})[0]
    expected = np.load(name + ".output.npy")
    worst = float(np.max(np.abs(actual.reshape(expected.shape) - expected)))
    return worst, len(model.graph.node)


def main(folder):
    failed = 0
    paths = sorted(glob.glob(os.path.join(folder, "*.onnx")))
    if not paths:
        print(f"no .onnx files in {folder}")
        return 1
    for path in paths:
        model = os.path.basename(path)[: -len(".onnx")]
        try:
            worst, nodes = check(path)
        except Exception as error:  # the checker or ONNX Runtime refused the file
            failed += 1
            print(f"FAIL {model}: {str(error).splitlines()[0]}")
            continue
        status = "ok  " if worst <= TOLERANCE else "FAIL"
        failed += worst > TOLERANCE
        print(f"{status} {model}: {nodes} nodes, max |ORT - dlg| = {worst:.2e}")
    print(f"{len(paths)} models, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
