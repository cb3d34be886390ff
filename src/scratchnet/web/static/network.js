// The Draw tab's network diagram and neuron inspector: drawNetwork draws the 28×28 input, the trace's strongest
// connections and the neurons of each layer shaded by their activation; click a neuron for its bias, z, a and
// incoming weights (/api/neuron). Every number comes from the server; this script only draws. It uses app.js's
// helpers ($, api, svgEl, clamp, formatNumber, paintGrey, state) and i18n.js's t() and serverError().
"use strict";

// The network diagram -------------------------------------------------------------------------

const INPUT_BOX = { x: 14, y: 119, size: 224 };  // the 28×28 input drawn as a picture on the left
const COLUMN_X0 = 330;
const COLUMN_X1 = 640;
const DIAGRAM_TOP = 34;
const DIAGRAM_BOTTOM = 428;
const MAX_SHOWN = 40;

function layerLayout(sizes) {
  // Returns, for layers 1..L-1, the x and the y of each shown neuron and their radius.
  const columns = sizes.length - 1;
  const layout = [];
  for (let l = 1; l < sizes.length; l++) {
    const shown = Math.min(sizes[l], MAX_SHOWN);
    const x = columns === 1 ? COLUMN_X1 : COLUMN_X0 + (COLUMN_X1 - COLUMN_X0) * (l - 1) / (columns - 1);
    const height = DIAGRAM_BOTTOM - DIAGRAM_TOP - (sizes[l] > MAX_SHOWN ? 20 : 0);
    const spacing = Math.min(36, height / shown);
    const radius = clamp(spacing * 0.36, 3, 12);
    const top = DIAGRAM_TOP + (height - spacing * (shown - 1)) / 2;
    const ys = Array.from({ length: shown }, (_, j) => top + spacing * j);
    layout.push({ x, ys, radius, hidden: sizes[l] - shown });
  }
  return layout;
}

function inputPixelPosition(k) {
  const cell = INPUT_BOX.size / 28;
  return { x: INPUT_BOX.x + (k % 28 + 0.5) * cell, y: INPUT_BOX.y + (Math.floor(k / 28) + 0.5) * cell };
}

function brightness(values, l, sizes) {
  // Sigmoid and softmax activations already lie in [0, 1]; others are scaled by the layer's largest |a|.
  const m = state.model;
  const bounded = m && (m.activation === "sigmoid" || (l === sizes.length - 1 && m.cost !== "quadratic"));
  if (bounded) return values.map((a) => clamp(a, 0, 1));
  const largest = Math.max(1e-9, ...values.map(Math.abs));
  return values.map((a) => Math.abs(a) / largest);
}

function drawNetwork(trace) {
  const svg = $("network");
  const sizes = state.model && state.model.ready ? state.model.sizes : (trace ? [784, ...trace.layers.map((layer) => layer.a.length)] : null);
  svg.textContent = "";
  if (!sizes) return;
  const layout = layerLayout(sizes);

  // The input layer: the 28×28 picture the network sees, a neuron per pixel.
  svgEl("text", { x: INPUT_BOX.x + INPUT_BOX.size / 2, y: DIAGRAM_TOP - 14, class: "layer-label", text: t("network.input", { n: sizes[0] }) }, svg);
  const picture = document.createElement("canvas");
  picture.width = 28; picture.height = 28;
  paintGrey(picture, trace ? trace.input : new Array(784).fill(0));
  svgEl("image", { href: picture.toDataURL(), x: INPUT_BOX.x, y: INPUT_BOX.y, width: INPUT_BOX.size, height: INPUT_BOX.size, class: "input-picture" }, svg);
  svgEl("rect", { class: "input-frame", x: INPUT_BOX.x - 0.5, y: INPUT_BOX.y - 0.5, width: INPUT_BOX.size + 1, height: INPUT_BOX.size + 1, rx: 3 }, svg);

  // Connections first, so neurons sit on top of them.
  const edges = svgEl("g", { "data-testid": "edges" }, svg);
  if (trace) {
    const strongest = {};
    for (const edge of trace.edges) strongest[edge.layer] = Math.max(strongest[edge.layer] || 0, Math.abs(edge.weight));
    for (const edge of trace.edges) {
      const from = edge.layer === 0 ? inputPixelPosition(edge.from) : { x: layout[edge.layer - 1].x, y: layout[edge.layer - 1].ys[edge.from] };
      const target = layout[edge.layer];
      if (!from || from.y === undefined || target.ys[edge.to] === undefined) continue;
      const size = Math.abs(edge.weight) / (strongest[edge.layer] || 1);
      const glow = brightness(trace.layers[edge.layer].a, edge.layer + 1, sizes)[edge.to];
      svgEl("line", {
        class: "edge", x1: from.x, y1: from.y, x2: target.x, y2: target.ys[edge.to],
        stroke: edge.weight >= 0 ? "#4ea1ff" : "#ff6b6b",
        "stroke-width": (0.6 + 2.6 * size).toFixed(2), "stroke-opacity": (0.25 + 0.55 * glow * size).toFixed(2),
      }, edges);
    }
  }

  // The neurons of layers 1..L-1, shaded by activation.
  layout.forEach((column, i) => {
    const l = i + 1;
    const output = l === sizes.length - 1;
    const values = trace ? trace.layers[i].a : null;
    const shades = values ? brightness(values, l, sizes) : null;
    const group = svgEl("g", { "data-testid": `layer-${l}`, "data-activations": values ? values.slice(0, MAX_SHOWN).map((a) => a.toFixed(3)).join(" ") : "" }, svg);
    svgEl("text", { x: column.x, y: DIAGRAM_TOP - 14, class: "layer-label", text: output ? t("network.output", { n: sizes[l] }) : t("network.hidden", { l, n: sizes[l] }) }, group);
    column.ys.forEach((y, j) => {
      const shade = shades ? shades[j] : 0;
      const winner = output && trace && trace.prediction === j;
      svgEl("circle", { class: "neuron-base", cx: column.x, cy: y, r: column.radius }, group);
      const circle = svgEl("circle", {
        class: "neuron", cx: column.x, cy: y, r: column.radius, fill: "#f3f5fa",
        "fill-opacity": (0.06 + 0.94 * shade).toFixed(3), "data-testid": `neuron-${l}-${j}`,
        "data-activation": values ? values[j].toFixed(4) : "",
      }, group);
      svgEl("title", { text: (output ? t("network.neuron_output", { j }) : t("network.neuron_hidden", { l, j })) + (values ? `: a = ${values[j].toFixed(3)}` : "") }, circle);
      const selected = state.inspected && state.inspected.layer === l && state.inspected.index === j;
      svgEl("circle", { class: `neuron-ring${selected ? " selected" : ""}${winner ? " winner" : ""}`, cx: column.x, cy: y, r: column.radius }, group);
      circle.addEventListener("click", () => inspect(l, j));
      if (output) {
        svgEl("text", { x: column.x + column.radius + 8, y: y + 5, class: `digit-label${winner ? " winner-label" : ""}`, text: String(j) }, group);
      }
    });
    if (column.hidden > 0) {
      svgEl("text", { x: column.x, y: DIAGRAM_BOTTOM - 2, class: "layer-label", text: t("network.more", { n: column.hidden }) }, group);
    }
  });
}

// The neuron inspector ------------------------------------------------------------------------

function inspect(layer, index) {
  state.inspected = { layer, index };
  $("inspector").hidden = false;
  drawNetwork(state.trace);
  refreshInspector();
}

$("inspector-close").addEventListener("click", () => {
  state.inspected = null;
  $("inspector").hidden = true;
  drawNetwork(state.trace);
});

let inspectorSequence = 0;
async function refreshInspector() {
  const { layer, index } = state.inspected;
  const sequence = ++inspectorSequence;
  const sizes = state.model && state.model.sizes;
  const output = sizes && layer === sizes.length - 1;
  $("inspector-title").textContent = output ? t("inspector.output_title", { index }) : t("inspector.hidden_title", { layer, index });
  let view;
  try {
    view = await api("POST", "/api/neuron", { layer, index, input: state.trace ? state.trace.input : null });
  } catch (err) {
    $("inspector-weights-caption").textContent = serverError(err);
    return;
  }
  if (sequence !== inspectorSequence) return;
  $("inspector-bias").textContent = formatNumber(view.bias);
  $("inspector-z").textContent = view.z === null ? t("inspector.draw_first") : formatNumber(view.z);
  $("inspector-a").textContent = view.a === null ? t("inspector.draw_first") : formatNumber(view.a);
  const largest = Math.max(1e-9, ...view.weights.map(Math.abs));
  if (view.image_side) {
    const image = $("inspector-image");
    image.hidden = false;
    $("inspector-bars").hidden = true;
    const c = image.getContext("2d");
    const data = c.createImageData(28, 28);
    view.weights.forEach((w, k) => {
      const t = Math.abs(w) / largest;
      const color = w >= 0 ? [78, 161, 255] : [255, 107, 107];
      data.data[4 * k] = Math.round(color[0] * t);
      data.data[4 * k + 1] = Math.round(color[1] * t);
      data.data[4 * k + 2] = Math.round(color[2] * t);
      data.data[4 * k + 3] = 255;
    });
    c.putImageData(data, 0, 0);
    $("inspector-weights-caption").textContent = t("inspector.image_caption", { largest: largest.toFixed(2) });
  } else {
    $("inspector-image").hidden = true;
    const bars = $("inspector-bars");
    bars.hidden = false;
    bars.textContent = "";
    const n = view.weights.length;
    const width = 260 / n;
    svgEl("line", { x1: 0, y1: 60, x2: 260, y2: 60, stroke: "#3a4458" }, bars);
    view.weights.forEach((w, k) => {
      const h = 56 * Math.abs(w) / largest;
      svgEl("rect", { x: k * width + width * 0.12, y: w >= 0 ? 60 - h : 60, width: width * 0.76, height: Math.max(h, 0.5), fill: w >= 0 ? "#4ea1ff" : "#ff6b6b" }, bars);
    });
    const below = layer === 1 && state.model && state.model.convolutional ? "maps.bars_caption" : "inspector.bars_caption";
    $("inspector-weights-caption").textContent = t(below, { n, layer: layer - 1, largest: largest.toFixed(2) });
  }
}
