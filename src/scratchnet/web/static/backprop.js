// The Backprop tab: backpropagation as the tutorial tells it. Choose an example; see what it wishes of each
// output neuron (arrows up and down), click a neuron for its three routes, watch the output neurons' wishes
// add up in the layer before, then step along the wishes. Every number comes from the server
// (/api/wishes and /api/wishes/step: scratchnet.tutorial.wishes and the training's own SGD rule); this
// script only draws. It uses app.js's helpers ($, api, el, svgEl, paintGrey, clamp) and i18n.js's t().
"use strict";

const wish = {
  example: null,      // the request's example: {index} or {input, label}
  digit: 2,           // the digit whose test images the picker walks through
  nth: 0,
  view: null,         // the last /api/wishes answer
  neuron: null,       // {layer, index} of the clicked neuron
  shown: null,        // per layer, the wishes drawn on its neurons (the adding-up animation changes them)
  steps: { mode: null, count: 0 },
  timer: null,
  sequence: 0,
};

const WISH_UP = "#3ddc97";
const WISH_DOWN = "#ff6b6b";
const WISH_TOP = 40;
const WISH_BOTTOM = 420;
const WISH_X0 = 290;
const WISH_X1 = 610;
const WISH_SHOWN = 40;

// Choosing the example -------------------------------------------------------------------------

function buildWishPicker() {
  const picker = $("wish-digits");
  for (let d = 0; d < 10; d++) {
    const button = el("button", { class: "button digit-button", type: "button", "data-testid": `wish-digit-${d}`, text: String(d) }, picker);
    button.addEventListener("click", () => { wish.digit = d; wish.nth = 0; chooseTestDigit(); });
  }
  const select = $("wish-label");
  for (let d = 0; d < 10; d++) el("option", { value: String(d), text: String(d) }, select);
  $("wish-next").addEventListener("click", () => { wish.nth += 1; chooseTestDigit(); });
  $("wish-drawing").addEventListener("click", useDrawing);
  select.addEventListener("change", () => {
    if (wish.example && wish.example.input) { wish.example = { input: wish.example.input, label: Number(select.value) }; loadWishes(true); }
  });
  $("wish-add-up").addEventListener("click", addUp);
  $("wish-step-example").addEventListener("click", () => step("example"));
  $("wish-step-batch").addEventListener("click", () => step("batch"));
  $("wish-step-reset").addEventListener("click", resetSteps);
  $("wish-start").addEventListener("change", () => { if (wish.example) loadWishes(true); });
}

function chooseTestDigit() {
  wish.example = { digit: wish.digit, nth: wish.nth };
  loadWishes(true);
}

function useDrawing() {
  if (!state.trace || !state.trace.input) {
    $("wish-error").textContent = t("backprop.no_drawing");
    return;
  }
  const label = state.trace.prediction !== undefined ? state.trace.prediction : Number($("wish-label").value);
  $("wish-label").value = String(label);
  wish.example = { input: state.trace.input, label };
  loadWishes(true);
}

function openBackprop() {
  if (!$("wish-digits").childElementCount) buildWishPicker();
  if (!wish.example) chooseTestDigit();
}

async function loadWishes(fresh) {
  const sequence = ++wish.sequence;
  $("wish-error").textContent = "";
  if (fresh) { wish.neuron = null; resetSteps(); }
  const body = { ...wish.example, network: $("wish-start").value };  // untrained by default: large first wishes
  if (wish.neuron) body.neuron = wish.neuron;
  let view;
  try {
    view = await api("POST", "/api/wishes", body);
  } catch (err) {
    $("wish-error").textContent = serverError(err);
    return;
  }
  if (sequence !== wish.sequence) return;
  if (view.index !== null) wish.example = { index: view.index };
  wish.view = view;
  stopAddingUp();
  wish.shown = view.layers.map((layer) => layer.wish);
  showWishExample(view);
  drawWishNetwork();
  showRoutes(view.routes);
}

function showWishExample(view) {
  paintGrey($("wish-input"), view.input);
  $("wish-label").value = String(view.label);
  $("wish-label").disabled = view.index !== null;  // a test digit's label is MNIST's; a drawing's is yours to say
  $("wish-source").textContent = view.index === null ? t("backprop.source_drawing", { label: view.label })
    : t("backprop.source_test", { index: view.index, label: view.label });
  for (const button of $("wish-digits").children) button.classList.toggle("selected", button.textContent === String(view.label) && view.index !== null);
  $("wish-cost").textContent = t("backprop.cost", { cost: view.cost.toFixed(4), answer: view.prediction, label: view.label });
  $("wish-cost").dataset.cost = String(view.cost);
}

// The network with its wishes ---------------------------------------------------------------

function wishLayout(sizes) {
  const columns = sizes.length - 1;
  return sizes.slice(1).map((size, i) => {
    const shown = Math.min(size, WISH_SHOWN);
    const x = columns === 1 ? WISH_X1 : WISH_X0 + (WISH_X1 - WISH_X0) * i / (columns - 1);
    const spacing = Math.min(36, (WISH_BOTTOM - WISH_TOP) / shown);
    const top = WISH_TOP + (WISH_BOTTOM - WISH_TOP - spacing * (shown - 1)) / 2;
    return { x, ys: Array.from({ length: shown }, (_, j) => top + spacing * j), radius: clamp(spacing * 0.34, 3, 11), spacing };
  });
}

function drawWishNetwork(adding = null) {
  // adding: {j} while the output neurons' wishes are being added up in the layer before
  const svg = $("wish-network");
  svg.textContent = "";
  const view = wish.view;
  if (!view || !state.model || !state.model.sizes) return;
  const sizes = state.model.sizes;
  const layout = wishLayout(sizes);
  const picture = document.createElement("canvas");
  picture.width = 28; picture.height = 28;
  paintGrey(picture, view.input);
  svgEl("text", { x: 120, y: WISH_TOP - 16, class: "layer-label", text: t("network.input", { n: sizes[0] }) }, svg);
  svgEl("image", { href: picture.toDataURL(), x: 20, y: 130, width: 200, height: 200, class: "input-picture" }, svg);
  ensureArrowMarkers(svg);
  if (adding) drawAddingEdges(svg, layout, adding.j);
  layout.forEach((column, i) => drawWishColumn(svg, column, i + 1, sizes, adding));
}

function drawAddingEdges(svg, layout, j) {
  // The connections from output neuron j to the layer before, coloured by the wish −δ_j w_jk they carry back.
  const view = wish.view;
  const top = view.adding_up.layer;
  const from = layout[top];
  const before = layout[top - 1];
  const partial = view.adding_up.partial;
  const carried = partial[j].map((v, k) => v - (j > 0 ? partial[j - 1][k] : 0));
  const largest = Math.max(1e-12, ...carried.map(Math.abs));
  before.ys.forEach((y, k) => {
    const size = Math.abs(carried[k]) / largest;
    svgEl("line", { class: "edge", x1: before.x, y1: y, x2: from.x, y2: from.ys[j], stroke: carried[k] >= 0 ? WISH_UP : WISH_DOWN,
      "stroke-width": (0.5 + 2.5 * size).toFixed(2), "stroke-opacity": (0.2 + 0.7 * size).toFixed(2) }, svg);
  });
}

function drawWishColumn(svg, column, l, sizes, adding) {
  const view = wish.view;
  const output = l === sizes.length - 1;
  const layer = view.layers[l - 1];
  const wishes = wish.shown[l - 1];
  const scale = Math.max(1e-12, ...layer.wish.slice(0, WISH_SHOWN).map(Math.abs));
  const group = svgEl("g", { "data-testid": `wish-layer-${l}`, "data-wishes": wishes.slice(0, WISH_SHOWN).map((v) => v.toPrecision(4)).join(" ") }, svg);
  svgEl("text", { x: column.x, y: WISH_TOP - 16, class: "layer-label", text: output ? t("network.output", { n: sizes[l] }) : t("network.hidden", { l, n: sizes[l] }) }, group);
  column.ys.forEach((y, j) => {
    const a = layer.a[j];
    const shade = clamp(state.model.activation === "sigmoid" || output ? a : Math.abs(a) / Math.max(1e-9, ...layer.a.map(Math.abs)), 0, 1);
    const length = Math.min(column.spacing * 1.4, 34) * Math.abs(wishes[j]) / scale;
    if (length > 0.5) {
      const up = wishes[j] > 0;
      const x = column.x + column.radius + 9;
      svgEl("line", { x1: x, y1: y, x2: x, y2: up ? y - length : y + length, stroke: up ? WISH_UP : WISH_DOWN, "stroke-width": 3, "stroke-linecap": "round", "marker-end": `url(#arrow-${up ? "up" : "down"})` }, group);
    }
    const adding_now = adding && output && adding.j === j;
    const circle = svgEl("circle", { class: "neuron", cx: column.x, cy: y, r: column.radius, fill: "#f3f5fa", "fill-opacity": (0.06 + 0.94 * shade).toFixed(3),
      "data-testid": output ? `wish-output-${j}` : `wish-neuron-${l}-${j}`, "data-wish": String(wishes[j]), "data-activation": String(a) }, group);
    svgEl("title", { text: t("backprop.neuron_title", { a: a.toFixed(3), wish: wishes[j].toPrecision(3) }) }, circle);
    const selected = wish.neuron && wish.neuron.layer === l && wish.neuron.index === j;
    svgEl("circle", { class: `neuron-ring${selected ? " selected" : ""}${adding_now ? " adding" : ""}${output && j === view.label ? " winner" : ""}`, cx: column.x, cy: y, r: column.radius }, group);
    circle.addEventListener("click", () => { wish.neuron = { layer: l, index: j }; loadWishes(false); });
    if (output) svgEl("text", { x: column.x - column.radius - 8, y: y + 5, "text-anchor": "end", class: `digit-label${j === view.label ? " winner-label" : ""}`, text: String(j) }, group);
  });
}

function ensureArrowMarkers(svg) {
  if (svg.querySelector("defs")) return;
  const defs = svgEl("defs", {}, svg);
  for (const [name, colour] of [["up", WISH_UP], ["down", WISH_DOWN]]) {
    const marker = svgEl("marker", { id: `arrow-${name}`, viewBox: "0 0 10 10", refX: 5, refY: 5, markerWidth: 3, markerHeight: 3, orient: "auto-start-reverse" }, defs);
    svgEl("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: colour }, marker);
  }
}

// The ten output neurons' wishes, added up in the layer before ---------------------------------

function stopAddingUp() {
  clearInterval(wish.timer);
  wish.timer = null;
}

function addUp() {
  const view = wish.view;
  if (!view || !view.adding_up) { $("wish-add-up-status").textContent = t("backprop.add_up_none"); return; }
  stopAddingUp();
  const layer = view.adding_up.layer;
  const partial = view.adding_up.partial;
  let j = -1;
  const advance = () => {
    j += 1;
    if (j >= partial.length) {
      stopAddingUp();
      wish.shown[layer - 1] = view.layers[layer - 1].wish;
      $("wish-add-up-status").textContent = t("backprop.add_up_done", { n: partial.length });
      $("wish-add-up-status").dataset.done = "true";
      drawWishNetwork();
      return;
    }
    wish.shown[layer - 1] = partial[j];
    $("wish-add-up-status").textContent = t("backprop.add_up_progress", { j, count: j + 1, n: partial.length });
    drawWishNetwork({ j });
  };
  $("wish-add-up-status").dataset.done = "false";
  wish.shown[layer - 1] = view.layers[layer - 1].wish.map(() => 0);
  advance();
  wish.timer = setInterval(advance, 450);
}

// One neuron's three routes -------------------------------------------------------------------

function showRoutes(routes) {
  $("wish-routes").hidden = !routes;
  $("wish-routes-hint").hidden = Boolean(routes);
  if (!routes) { $("wish-routes-title").textContent = t("backprop.routes.title"); return; }
  const output = state.model && routes.layer === state.model.sizes.length - 1;
  $("wish-routes-title").textContent = output ? t("backprop.routes.title_output", { index: routes.index, wish: routes.wish.toPrecision(3) })
    : t("backprop.routes.title_hidden", { layer: routes.layer, index: routes.index, wish: routes.wish.toPrecision(3) });
  const bars = $("wish-route-bars");
  bars.textContent = "";
  const largest = Math.max(1e-12, ...Object.values(routes.contributions).map(Math.abs));
  for (const name of ["bias", "weights", "activations"]) {
    const value = routes.contributions[name];
    const row = el("div", { class: `route-row${name === routes.strongest ? " strongest" : ""}`, "data-testid": `wish-route-${name}`, "data-contribution": String(value) }, bars);
    el("span", { class: "route-name", text: t(`backprop.route.${name}`) }, row);
    const track = el("div", { class: "bar-track" }, row);
    el("div", { class: `bar-fill ${value >= 0 ? "up" : "down"}` }, track).style.width = `${(100 * Math.abs(value) / largest).toFixed(1)}%`;
    el("span", { class: "value", text: value.toPrecision(3) }, row);
  }
  $("wish-route-strongest").textContent = t("backprop.routes.strongest", { route: t(`backprop.route.${routes.strongest}`) });
  drawRoute("wish-route-weights", routes.weights, routes.image_side);
  drawRoute("wish-route-activations", routes.activations, routes.image_side);
}

function drawRoute(id, values, side) {
  const largest = Math.max(1e-12, ...values.map(Math.abs));
  const image = $(`${id}-image`);
  const bars = $(id);
  image.hidden = !side;
  bars.toggleAttribute("hidden", Boolean(side));  // an <svg> has no .hidden property: set the attribute
  if (side) {
    const c = image.getContext("2d");
    const data = c.createImageData(side, side);
    values.forEach((v, k) => {
      const s = Math.abs(v) / largest;
      const colour = v >= 0 ? [61, 220, 151] : [255, 107, 107];
      for (let channel = 0; channel < 3; channel++) data.data[4 * k + channel] = Math.round(colour[channel] * s);
      data.data[4 * k + 3] = 255;
    });
    c.putImageData(data, 0, 0);
    return;
  }
  bars.textContent = "";
  const width = 260 / values.length;
  svgEl("line", { x1: 0, y1: 60, x2: 260, y2: 60, stroke: "#3a4458" }, bars);
  values.forEach((v, k) => {
    const h = 56 * Math.abs(v) / largest;
    svgEl("rect", { x: k * width + width * 0.12, y: v >= 0 ? 60 - h : 60, width: width * 0.76, height: Math.max(h, 0.5), fill: v >= 0 ? WISH_UP : WISH_DOWN }, bars);
  });
}

// Stepping along the wishes -------------------------------------------------------------------

function resetSteps() {
  wish.steps = { mode: null, count: 0 };
  $("wish-step-summary").textContent = "";
  $("wish-step-outputs").textContent = "";
  $("wish-batch").textContent = "";
}

async function step(mode) {
  if (!wish.example) return;
  const count = wish.steps.mode === mode ? wish.steps.count + 1 : 1;
  const body = {
    ...wish.example, network: $("wish-start").value, mode, eta: Number($("wish-eta").value), m: Number($("wish-m").value), steps: count,
  };
  let result;
  try {
    result = await api("POST", "/api/wishes/step", body);
  } catch (err) {
    $("wish-error").textContent = serverError(err);
    return;
  }
  $("wish-error").textContent = "";
  wish.steps = { mode, count };
  const summary = $("wish-step-summary");
  summary.textContent = t(mode === "example" ? "backprop.step.summary_example" : "backprop.step.summary_batch", {
    steps: count, eta: result.eta, m: result.m, before: result.before.cost.toFixed(4), after: result.after.cost.toFixed(4),
    batch_before: result.before.batch_cost.toFixed(4), batch_after: result.after.batch_cost.toFixed(4), label: result.label,
  });
  summary.dataset.costBefore = String(result.before.cost);
  summary.dataset.costAfter = String(result.after.cost);
  summary.dataset.batchCostBefore = String(result.before.batch_cost);
  summary.dataset.batchCostAfter = String(result.after.batch_cost);
  showStepOutputs(result);
  showBatch(result);
}

function showStepOutputs(result) {
  const box = $("wish-step-outputs");
  box.textContent = "";
  el("p", { class: "caption", text: t("backprop.step.outputs_caption", { label: result.label }) }, box);
  result.before.outputs.forEach((before, d) => {
    const after = result.after.outputs[d];
    const row = el("div", { class: `step-row${d === result.label ? " target" : ""}`, "data-testid": `wish-step-output-${d}`, "data-before": String(before), "data-after": String(after) }, box);
    el("span", { class: "digit", text: String(d) }, row);
    const track = el("div", { class: "bar-track" }, row);
    // widths through the CSSOM: the page's Content-Security-Policy refuses style attributes
    el("div", { class: "bar-fill before" }, track).style.width = `${(100 * clamp(before, 0, 1)).toFixed(1)}%`;
    el("div", { class: "bar-fill after" }, track).style.width = `${(100 * clamp(after, 0, 1)).toFixed(1)}%`;
    el("span", { class: "value", text: `${before.toFixed(3)} → ${after.toFixed(3)}` }, row);
  });
}

function showBatch(result) {
  const box = $("wish-batch");
  box.textContent = "";
  if (result.mode !== "batch") return;
  el("p", { class: "caption", text: t("backprop.step.batch_caption", { m: result.m }) }, box);
  const table = el("table", { class: "wish-table", "data-testid": "wish-batch-table" }, box);
  const head = el("tr", {}, el("thead", {}, table));
  el("th", { text: t("backprop.step.batch_example") }, head);
  for (let d = 0; d < result.mean_bias_wish.length; d++) el("th", { text: String(d) }, head);
  const body = el("tbody", {}, table);
  const largest = Math.max(1e-12, ...result.bias_wishes.flat().map(Math.abs));
  const addRow = (name, values, className) => {
    const row = el("tr", { class: className || "" }, body);
    el("th", { text: name }, row);
    values.forEach((v) => {
      const s = Math.sqrt(Math.min(1, Math.abs(v) / largest));  // √ so that small wishes still show
      const cell = el("td", { title: v.toPrecision(3), "data-wish": String(v) }, row);
      cell.style.background = v >= 0 ? `rgba(61, 220, 151, ${s.toFixed(2)})` : `rgba(255, 107, 107, ${s.toFixed(2)})`;
    });
  };
  result.batch.forEach((item, x) => addRow(t("backprop.step.batch_row", { label: item.label }), result.bias_wishes[x]));
  addRow(t("backprop.step.batch_mean"), result.mean_bias_wish, "mean");
}
