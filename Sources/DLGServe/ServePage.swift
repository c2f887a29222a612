/// The page at `/`: the model's diagram, and a form to try it (a canvas to draw on or an image
/// to upload for image models, a text box for text models, numbers otherwise), showing the top
/// classes as bars. Plain HTML, CSS and JavaScript, served from the binary: no CDN, no build.
enum ServePage {
  static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>dlg serve</title>
    <style>
      :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
      body { margin: 0 auto; max-width: 1100px; padding: 1.5rem; }
      h1 { font-size: 1.4rem; margin: 0 0 .2rem; }
      .meta { color: #5a6270; font-size: .9rem; margin-bottom: 1rem; }
      .row { display: flex; gap: 1.5rem; flex-wrap: wrap; align-items: flex-start; }
      .card { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 1rem; }
      #try { flex: 0 0 auto; }
      #diagram { flex: 1 1 340px; max-height: 80vh; overflow: auto; text-align: center; }
      #diagram img { max-width: 100%; }
      canvas#pad { background: #000; border-radius: 4px; touch-action: none; cursor: crosshair;
        display: block; }
      .buttons { margin: .6rem 0; display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
      button { font: inherit; padding: .35rem .8rem; border-radius: 5px; border: 1px solid #b9c0cc;
        background: #fff; cursor: pointer; }
      button.primary { background: #2f6fed; color: #fff; border-color: #2f6fed; }
      textarea { width: 100%; min-width: 300px; min-height: 8rem; font: inherit; box-sizing: border-box; }
      #result { min-width: 300px; }
      .bar { display: grid; grid-template-columns: 9rem 1fr 4rem; gap: .5rem; align-items: center;
        margin: .25rem 0; font-size: .95rem; }
      .bar .track { background: #e8ebf0; height: .9rem; border-radius: 3px; overflow: hidden; }
      .bar .fill { background: #2f6fed; height: 100%; }
      .bar.best .fill { background: #14a44d; }
      .error { color: #b3261e; white-space: pre-wrap; }
      .hidden { display: none; }
    </style>
    </head>
    <body>
    <h1 id="name">dlg serve</h1>
    <div class="meta" id="meta">loading the model…</div>
    <div class="row">
      <div class="card" id="try">
        <div id="image-form" class="hidden">
          <canvas id="pad" width="280" height="280" aria-label="drawing pad"></canvas>
          <div class="buttons">
            <button id="clear">Clear</button>
            <label><input type="file" id="file" accept="image/png,image/jpeg"> </label>
          </div>
          <div class="buttons">
            <label><input type="checkbox" id="invert"> invert (dark drawing on a light background)</label>
          </div>
        </div>
        <div id="text-form" class="hidden">
          <textarea id="text" placeholder="Type some text"></textarea>
        </div>
        <div id="numbers-form" class="hidden">
          <textarea id="numbers" placeholder="[0.1, 0.2, …]"></textarea>
        </div>
        <div class="buttons"><button class="primary" id="predict">Predict</button></div>
        <div id="result" aria-live="polite"></div>
      </div>
      <div class="card" id="diagram"><img src="/diagram.svg" alt="the model's diagram"
        onerror="this.parentNode.classList.add('hidden')"></div>
    </div>
    <script>
    "use strict";
    let model = null;
    const $ = (id) => document.getElementById(id);
    const pad = $("pad"), ctx = pad.getContext("2d");

    function imageShape() {
      const s = model.input.shape;
      if (model.input.type !== "float32" || s.length !== 3 || (s[2] !== 1 && s[2] !== 3)) return null;
      return { height: s[0], width: s[1], channels: s[2] };
    }

    function clearPad() {
      ctx.fillStyle = "#000"; ctx.fillRect(0, 0, pad.width, pad.height);
      $("result").textContent = "";
    }

    let drawing = false, last = null;
    function point(event) {
      const r = pad.getBoundingClientRect();
      return { x: (event.clientX - r.left) * pad.width / r.width,
               y: (event.clientY - r.top) * pad.height / r.height };
    }
    pad.addEventListener("pointerdown", (e) => { drawing = true; last = point(e); pad.setPointerCapture(e.pointerId); stroke(e); });
    pad.addEventListener("pointermove", (e) => { if (drawing) stroke(e); });
    pad.addEventListener("pointerup", () => { drawing = false; predict(); });
    function stroke(e) {
      const p = point(e);
      ctx.strokeStyle = "#fff"; ctx.lineCap = "round"; ctx.lineJoin = "round";
      ctx.lineWidth = pad.width / 12;
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p;
    }

    $("clear").addEventListener("click", clearPad);
    $("file").addEventListener("change", () => {
      const file = $("file").files[0];
      if (!file) return;
      const image = new Image();
      image.onload = () => {
        clearPad();
        ctx.drawImage(image, 0, 0, pad.width, pad.height);
        URL.revokeObjectURL(image.src);
        predict();
      };
      image.src = URL.createObjectURL(file);
    });
    $("invert").addEventListener("change", () => predict());

    /// The drawing at the model's size, as raw pixel values 0-255 (the server applies the
    /// model's scale, as `dlg predict` does).
    function pixels() {
      const shape = imageShape();
      const small = document.createElement("canvas");
      small.width = shape.width; small.height = shape.height;
      const sctx = small.getContext("2d");
      sctx.imageSmoothingQuality = "high";
      sctx.drawImage(pad, 0, 0, shape.width, shape.height);
      const data = sctx.getImageData(0, 0, shape.width, shape.height).data;
      const invert = $("invert").checked;
      const values = [];
      for (let i = 0; i < shape.width * shape.height; i++) {
        const rgb = [data[4 * i], data[4 * i + 1], data[4 * i + 2]].map((v) => invert ? 255 - v : v);
        if (shape.channels === 1) values.push(Math.round((rgb[0] + rgb[1] + rgb[2]) / 3));
        else values.push(...rgb);
      }
      return values;
    }

    function sample() {
      if (imageShape()) return pixels();
      if (model.input.accepts_text) return $("text").value;
      return JSON.parse($("numbers").value);
    }

    async function predict() {
      if (!model) return;
      let body;
      try {
        body = JSON.stringify({ inputs: [sample()], top_k: Math.min(5, model.output.width) });
      } catch (error) {
        return show({ error: { message: "the numbers are not JSON: " + error.message } });
      }
      const response = await fetch("/v1/predict", {
        method: "POST", headers: { "Content-Type": "application/json" }, body });
      show(await response.json());
    }
    $("predict").addEventListener("click", predict);

    function show(answer) {
      const result = $("result");
      result.textContent = "";
      if (answer.error) {
        const p = document.createElement("p");
        p.className = "error";
        p.textContent = answer.error.message + (answer.error.expected ? "\nexpected: " + answer.error.expected : "");
        result.appendChild(p);
        return;
      }
      const prediction = answer.predictions[0];
      if (prediction.values) {
        result.textContent = "values: " + prediction.values.map((v) => v.toPrecision(4)).join(", ");
        return;
      }
      prediction.top.forEach((entry, index) => {
        const row = document.createElement("div");
        row.className = "bar" + (index === 0 ? " best" : "");
        row.dataset.class = entry.class;
        const label = document.createElement("span");
        label.textContent = entry.label;
        const track = document.createElement("div");
        track.className = "track";
        const fill = document.createElement("div");
        fill.className = "fill";
        fill.style.width = (100 * entry.probability).toFixed(1) + "%";
        track.appendChild(fill);
        const value = document.createElement("span");
        value.textContent = (100 * entry.probability).toFixed(1) + "%";
        row.append(label, track, value);
        result.appendChild(row);
      });
      result.dataset.best = prediction.class;
      result.dataset.version = answer.model_version;
    }

    fetch("/v1/model").then((r) => r.json()).then((m) => {
      model = m;
      document.title = m.name + " · dlg serve";
      $("name").textContent = m.name;
      $("meta").textContent = `input ${m.input.shape.join("×")} · ${m.output.width} ` +
        `${m.output.kind === "values" ? "values" : "classes"} · ` +
        `${m.parameters.toLocaleString()} parameters · weights ${m.model_version}`;
      if (imageShape()) {
        const s = imageShape();
        pad.height = Math.round(pad.width * s.height / s.width);
        $("image-form").classList.remove("hidden");
        clearPad();
      } else if (m.input.accepts_text) {
        $("text-form").classList.remove("hidden");
      } else {
        $("numbers-form").classList.remove("hidden");
      }
      document.body.dataset.ready = "true";
    }).catch((error) => { $("meta").textContent = "cannot read the model: " + error; });
    </script>
    </body>
    </html>
    """#
}
