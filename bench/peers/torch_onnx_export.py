"""PyTorch's LeNet and CNN (CIFAR-10) and Fashion-MNIST CNN peers exported with torch.onnx.export,
for running PyTorch-made models in dlg (docs/onnx.md).

  bench/.venv/bin/python bench/peers/torch_onnx_export.py OUT_FOLDER

Writes lenet_cifar10.onnx, cnn_cifar10.onnx and fashion_mnist_cnn.onnx (opset 17, a symbolic batch, NCHW
inputs as PyTorch has them, seeded weights), plus NAME.input.npy: 8 random images.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnn_cifar10  # noqa: E402
import fashion_mnist_cnn  # noqa: E402
import lenet_cifar10  # noqa: E402


def export(net, shape, path):
    net.eval()
    example = torch.rand(1, *shape)
    torch.onnx.export(
        net, (example,), path, input_names=["image"], output_names=["logits"],
        dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}}, opset_version=17, dynamo=False)
    images = np.random.RandomState(0).rand(8, *shape).astype(np.float32)
    np.save(path[: -len(".onnx")] + ".input.npy", images)


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    export(lenet_cifar10.model(), (3, 32, 32), os.path.join(out, "lenet_cifar10.onnx"))
    export(cnn_cifar10.model(), (3, 32, 32), os.path.join(out, "cnn_cifar10.onnx"))
    export(fashion_mnist_cnn.model(), (1, 28, 28), os.path.join(out, "fashion_mnist_cnn.onnx"))
    print(f"wrote {out}/lenet_cifar10.onnx, cnn_cifar10.onnx and fashion_mnist_cnn.onnx")


if __name__ == "__main__":
    main(sys.argv[1])
