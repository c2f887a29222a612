"""ONNX's backend tests as dlg's conformance suite (docs/onnx.md).

  onnx_conformance.py generate OUT      write every node test (built in memory by the `onnx`
                                        package) as OUT/node/<case>/model.onnx plus
                                        test_data_set_*/{input,output}_*.pb, copy the
                                        pytorch-converted and pytorch-operator sets, and write
                                        OUT/manifest.json (each case's op)
  onnx_conformance.py table OUT RESULTS DLG
                                        the per-op table (Markdown) from `dlg conformance --json`
                                        output, with what each op's import does not implement
  onnx_conformance.py subset OUT DEST RESULTS OPS...
                                        copy the cases of the given ops into DEST (the subset the
                                        test suite runs)
"""
import collections
import json
import os
import shutil
import sys
import warnings

warnings.filterwarnings("ignore")


def op_of(name, model, schemas):
    """The op a case tests: the single node's op, else the longest op name its name starts
    with (expanded function tests hold many nodes)."""
    nodes = model.graph.node
    if len(nodes) == 1:
        return nodes[0].op_type
    bare = name[len("test_"):].replace("_expanded", "").replace("_", "").lower()
    best = ""
    for op in schemas:
        key = op.lower()
        if bare.startswith(key) and len(key) > len(best):
            best = op
    return best or nodes[0].op_type


def generate(out):
    import onnx
    from onnx import numpy_helper
    from onnx.backend.test import loader

    schemas = sorted({s.name for s in onnx.defs.get_all_schemas_with_history()})
    manifest = {}
    node_dir = os.path.join(out, "node")
    os.makedirs(node_dir, exist_ok=True)
    for case in loader.load_model_tests(kind="node"):
        folder = os.path.join(node_dir, case.name)
        os.makedirs(folder, exist_ok=True)
        onnx.save(case.model, os.path.join(folder, "model.onnx"))
        for index, (inputs, outputs) in enumerate(case.data_sets or []):
            data = os.path.join(folder, f"test_data_set_{index}")
            os.makedirs(data, exist_ok=True)
            graph = case.model.graph
            names_in = [i.name for i in graph.input if i.name not in {t.name for t in graph.initializer}]
            for position, array in enumerate(inputs):
                tensor = _tensor(numpy_helper, array, names_in[position] if position < len(names_in) else "")
                with open(os.path.join(data, f"input_{position}.pb"), "wb") as f:
                    f.write(tensor.SerializeToString())
            for position, array in enumerate(outputs):
                tensor = _tensor(numpy_helper, array, graph.output[position].name)
                with open(os.path.join(data, f"output_{position}.pb"), "wb") as f:
                    f.write(tensor.SerializeToString())
        manifest[case.name] = {"set": "node", "op": op_of(case.name, case.model, schemas)}
    for kind in ("pytorch-converted", "pytorch-operator"):
        target = os.path.join(out, kind)
        os.makedirs(target, exist_ok=True)
        for case in loader.load_model_tests(kind=kind):
            dest = os.path.join(target, case.name)
            if not os.path.exists(dest):
                shutil.copytree(case.model_dir, dest)
            model = onnx.load(os.path.join(dest, "model.onnx"))
            manifest[case.name] = {"set": kind, "op": op_of(case.name, model, schemas)}
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print(f"wrote {len(manifest)} cases to {out}")


def _tensor(numpy_helper, array, name):
    try:
        return numpy_helper.from_array(array, name)
    except Exception:  # sequences, optionals, strings: dlg reads plain tensors only
        import numpy as np
        return numpy_helper.from_array(np.zeros([0], dtype=np.float32), name)


def results(path):
    with open(path) as f:
        return {r["name"]: r for r in map(json.loads, filter(str.strip, f))}


def table(out, results_path, dlg):
    import subprocess
    listed = subprocess.run([dlg, "conformance", "--supported-ops", "--json"], check=True,
                            capture_output=True, text=True).stdout
    supported = {r["op"]: r["limits"] for r in map(json.loads, filter(str.strip, listed.splitlines()))}
    manifest = json.load(open(os.path.join(out, "manifest.json")))
    outcomes = results(results_path)
    per_op = collections.defaultdict(collections.Counter)
    for name, entry in manifest.items():
        outcome = outcomes.get(name, {}).get("outcome", "not run")
        per_op[(entry["set"], entry["op"])][outcome] += 1
    print("| set | op | passed | failed | unsupported | what dlg does not implement |")
    print("|---|---|---:|---:|---:|---|")
    for (kind, op), counts in sorted(per_op.items(), key=lambda item: (item[0][0] != "node", item[0])):
        if op not in supported and counts["passed"] == 0 and counts["failed"] == 0:
            continue
        limits = supported.get(op, "not imported (the cases use it inside another op's expansion)")
        print(f"| {kind} | {op} | {counts['passed']} | {counts['failed']} | "
              f"{counts['unsupported']} | {limits} |")
    all_counts = collections.Counter()
    for counts in per_op.values():
        all_counts.update(counts)
    supported_cases = collections.Counter()
    for (kind, op), counts in per_op.items():
        if op in supported:
            supported_cases.update(counts)
    print()
    print(f"dlg imports {len(supported)} ONNX ops. Of their {sum(supported_cases.values())} cases, "
          f"{supported_cases['passed']} pass, {supported_cases['failed']} fail and "
          f"{supported_cases['unsupported']} use an attribute, a type or another op dlg does not "
          f"implement. All cases: {len(manifest)}; passed {all_counts['passed']}, failed "
          f"{all_counts['failed']}, unsupported {all_counts['unsupported']}.")


def subset(out, dest, results_path, ops):
    manifest = json.load(open(os.path.join(out, "manifest.json")))
    outcomes = results(results_path)
    os.makedirs(dest, exist_ok=True)
    copied = 0
    for name, entry in sorted(manifest.items()):
        if entry["set"] != "node" or entry["op"] not in ops:
            continue
        if outcomes.get(name, {}).get("outcome") != "passed":
            continue
        target = os.path.join(dest, name)
        if os.path.exists(target):
            shutil.rmtree(target)
        shutil.copytree(os.path.join(out, "node", name), target)
        copied += 1
    print(f"copied {copied} passing cases into {dest}")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "generate":
        generate(sys.argv[2])
    elif command == "table":
        table(sys.argv[2], sys.argv[3], sys.argv[4])
    elif command == "subset":
        subset(sys.argv[2], sys.argv[3], sys.argv[4], set(sys.argv[5:]))
    else:
        print(__doc__)
        sys.exit(2)
