#!/usr/bin/env python3
"""The page of `dlg serve`, tried in headless Chromium as a person would.

Trains a small model on generated images (or serves --model/--weights), starts `dlg serve`,
opens its page in headless Chromium (Debian's `chromium`), draws a stroke on the canvas with
real mouse events through the DevTools protocol, waits for the bars, and checks the class
the page shows against `dlg predict` on the very pixels the page sent. Then it uploads a PNG
through the file input and checks again. Exits 1 on any difference.

    python3 scripts/serve_page_check.py --dlg .build/debug/dlg [--screenshot page.png]
"""
import argparse
import base64
import gzip
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib


class DevTools:
    """A minimal WebSocket client (RFC 6455, text frames) speaking the DevTools protocol."""

    def __init__(self, url):
        host, port, path = re.match(r"ws://([^:/]+):(\d+)(/.*)", url).groups()
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            .encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(1)
        if b" 101 " not in response.split(b"\r\n")[0]:
            raise RuntimeError(f"no WebSocket upgrade: {response!r}")
        self.next_id = 0

    def _send(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _read_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise RuntimeError("DevTools closed the connection")
            data += chunk
        return data

    def _receive(self):
        message = b""
        while True:
            first, second = self._read_exact(2)
            n = second & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read_exact(8))[0]
            message += self._read_exact(n)
            if first & 0x80:
                return message.decode()

    def call(self, method, **params):
        self.next_id += 1
        self._send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self._receive())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True,
                           returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")


def wait_for(devtools, expression, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if devtools.evaluate(expression):
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {expression}")


def write_idx(folder, split, images, labels, side):
    with gzip.open(f"{folder}/{split}-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, len(labels), side, side) + bytes(images))
    with gzip.open(f"{folder}/{split}-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 0x801, len(labels)) + bytes(labels))


def small_model(folder, dlg):
    """A CNN on 16×16 images of a bright bar: horizontal, vertical or diagonal (3 classes)."""
    rng = random.Random(1)
    side = 16
    for split, count in (("train", 900), ("t10k", 150)):
        images, labels = [], []
        for _ in range(count):
            label = rng.randrange(3)
            offset = rng.randrange(3, 13)
            for y in range(side):
                for x in range(side):
                    on = [abs(y - offset) <= 1, abs(x - offset) <= 1, abs(x - y) <= 1][label]
                    images.append(min(255, (200 if on else 0) + rng.randrange(40)))
            labels.append(label)
        write_idx(folder, split, images, labels, side)
    model = f"{folder}/bars.dlg"
    with open(model, "w") as f:
        f.write(f"""neuralnet
  title Bars
  image: Input[16, 16, 1]
  conv:  Conv2D[8, 3x3, relu]
  pool:  MaxPool2D[2x2]
  flat:  Flatten
  out:   Dense[3]
  image --> conv --> pool --> flat --> out
train
  data      idx("{folder}", split: "train", scale: 1/255)
  test      idx("{folder}", split: "t10k", scale: 1/255)
  loss      softmax_cross_entropy(out, labels)
  optimizer Adam(lr: 0.01)
  batch     32
  epochs    3
  seed      1
  metrics   accuracy
""")
    weights = f"{folder}/bars.safetensors"
    subprocess.run([dlg, "run", model, "--save", weights], check=True,
                   stdout=subprocess.DEVNULL)
    return model, weights


def png(width, height, gray):
    """A grayscale PNG, for the upload."""
    raw = b"".join(b"\x00" + bytes(gray[y * width:(y + 1) * width]) for y in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def npy(shape, values):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % (
        ", ".join(map(str, shape)) + ("," if len(shape) == 1 else ""))
    while (10 + len(header) + 1) % 64:
        header += " "
    header += "\n"
    return (b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()
            + struct.pack(f"<{len(values)}f", *values))


def predicted_class(dlg, model, weights, folder, pixels, shape):
    path = f"{folder}/sent.npy"
    with open(path, "wb") as f:
        f.write(npy([1] + shape, pixels))
    subprocess.run([dlg, "predict", model, "--weights", weights, "--input", path, "-o",
                    f"{folder}/p.csv"], check=True, stderr=subprocess.DEVNULL)
    row = open(f"{folder}/p.csv").read().splitlines()[1].split(",")
    return int(row[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dlg", default=".build/debug/dlg")
    parser.add_argument("--model")
    parser.add_argument("--weights")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--screenshot", help="write a PNG of the page after drawing")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="dlg-page-")
    processes = []
    try:
        model, weights = (args.model, args.weights) if args.model else small_model(folder, args.dlg)
        server = subprocess.Popen([args.dlg, "serve", model, "--weights", weights, "--port", "0"],
                                  stdout=subprocess.PIPE, text=True)
        processes.append(server)
        url = re.search(r"(http://\S+/)", server.stdout.readline()).group(1)
        browser = subprocess.Popen(
            [args.chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-port=0", f"--user-data-dir={folder}/profile",
             "--window-size=1200,900", "about:blank"],
            stderr=subprocess.PIPE, text=True)
        processes.append(browser)
        endpoint = None
        for line in browser.stderr:
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:
                endpoint = match.group(1)
                break
        port = re.search(r":(\d+)/", endpoint).group(1)
        pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(p for p in pages if p["type"] == "page")
        devtools = DevTools(page["webSocketDebuggerUrl"])
        devtools.call("Page.enable")
        devtools.call("Page.navigate", url=url)
        wait_for(devtools, "document.body && document.body.dataset.ready === 'true'")
        shape = devtools.evaluate("model.input.shape")

        # Draw a diagonal stroke with the mouse, as a person would.
        box = devtools.evaluate(
            "(() => { const r = document.getElementById('pad').getBoundingClientRect();"
            " return [r.left, r.top, r.width, r.height]; })()")
        left, top, width, height = box
        points = [(left + width * t, top + height * t) for t in [0.1 + 0.08 * i for i in range(11)]]
        devtools.call("Input.dispatchMouseEvent", type="mouseMoved", x=points[0][0], y=points[0][1])
        devtools.call("Input.dispatchMouseEvent", type="mousePressed", x=points[0][0],
                      y=points[0][1], button="left", clickCount=1)
        for x, y in points[1:]:
            devtools.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y, button="left",
                          buttons=1)
        devtools.call("Input.dispatchMouseEvent", type="mouseReleased", x=points[-1][0],
                      y=points[-1][1], button="left", clickCount=1)
        wait_for(devtools, "document.getElementById('result').dataset.best !== undefined")
        shown = int(devtools.evaluate("document.getElementById('result').dataset.best"))
        bars = devtools.evaluate("document.querySelectorAll('#result .bar').length")
        sent = devtools.evaluate("pixels()")
        expected = predicted_class(args.dlg, model, weights, folder, sent, shape)
        print(f"drawn: the page shows class {shown} ({bars} bars); dlg predict says {expected}; "
              f"{sum(1 for v in sent if v > 0)} of {len(sent)} pixels lit")
        failures = 0 if shown == expected and bars > 0 and any(sent) else 1
        if args.screenshot:
            shot = devtools.call("Page.captureScreenshot", format="png")
            with open(args.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))

        # Upload a PNG of a horizontal bar through the file input.
        h, w = shape[0], shape[1]
        gray = [220 if abs(y - h // 2) <= 1 else 0 for y in range(h) for x in range(w)]
        upload = f"{folder}/upload.png"
        with open(upload, "wb") as f:
            f.write(png(w, h, gray))
        devtools.evaluate("delete document.getElementById('result').dataset.best")
        document = devtools.call("DOM.getDocument")
        node = devtools.call("DOM.querySelector", nodeId=document["root"]["nodeId"],
                             selector="#file")
        devtools.call("DOM.setFileInputFiles", files=[upload], nodeId=node["nodeId"])
        wait_for(devtools, "document.getElementById('result').dataset.best !== undefined")
        shown = int(devtools.evaluate("document.getElementById('result').dataset.best"))
        sent = devtools.evaluate("pixels()")
        expected = predicted_class(args.dlg, model, weights, folder, sent, shape)
        print(f"uploaded: the page shows class {shown}; dlg predict says {expected}")
        failures += 0 if shown == expected else 1
        print("page check passed" if failures == 0 else "page check FAILED")
        return failures
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
