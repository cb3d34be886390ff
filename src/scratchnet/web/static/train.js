// The Train tab: the form that starts a training (/api/train), its cost and accuracy curves, the epoch table,
// the status line and the banner, kept live by /api/train/events; a new model refreshes the badge, the Draw tab's
// answer, the samples and the wishes (onNewModel). This script only draws. It uses app.js's helpers ($, api, el,
// svgEl, percent, refreshModel, state), draw.js's requestPrediction, samples.js's loadSamples and openSample,
// backprop.js's wish and loadWishes, and i18n.js's t() and serverError().
"use strict";

// Training ------------------------------------------------------------------------------------

function chart(svg, series, options) {
  // series: [{name, className, values}] drawn against epochs 1..options.epochs
  const W = 420, H = 240, left = 46, right = 14, top = 14, bottom = 30;
  svg.textContent = "";
  const all = series.flatMap((s) => s.values).filter((v) => v !== null && Number.isFinite(v));
  let low = options.low !== undefined ? options.low : Math.min(...all);
  let high = options.high !== undefined ? options.high : Math.max(...all);
  if (!all.length) { low = 0; high = 1; }
  if (options.fit && all.length) { low = Math.min(...all); high = Math.max(...all); const pad = (high - low) * 0.15 || 0.01; low = Math.max(0, low - pad); high = Math.min(options.cap ?? Infinity, high + pad); }
  if (high - low < 1e-9) { high = low + 1; }
  const epochs = Math.max(2, options.epochs);
  const x = (epoch) => left + (W - left - right) * (epoch - 1) / (epochs - 1);
  const y = (value) => top + (H - top - bottom) * (1 - (value - low) / (high - low));
  for (let i = 0; i <= 4; i++) {
    const value = low + (high - low) * i / 4;
    svgEl("line", { class: "grid", x1: left, x2: W - right, y1: y(value), y2: y(value) }, svg);
    svgEl("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end", text: options.format(value) }, svg);
  }
  svgEl("line", { class: "axis", x1: left, x2: W - right, y1: H - bottom, y2: H - bottom }, svg);
  const step = Math.max(1, Math.ceil(epochs / 10));
  for (let e = 1; e <= epochs; e += step) svgEl("text", { x: x(e), y: H - bottom + 16, "text-anchor": "middle", text: String(e) }, svg);
  svgEl("text", { x: W - right, y: H - 4, "text-anchor": "end", text: t("chart.epoch") }, svg);
  for (const s of series) {
    const points = s.values.map((v, i) => [i + 1, v]).filter(([, v]) => v !== null && Number.isFinite(v));
    if (!points.length) continue;
    svgEl("polyline", { class: s.className, points: points.map(([e, v]) => `${x(e).toFixed(1)},${y(v).toFixed(1)}`).join(" ") }, svg);
    for (const [e, v] of points) {
      const dot = svgEl("circle", { class: s.className, cx: x(e), cy: y(v), r: 3.2, "data-testid": "curve-point", "data-series": s.name, "data-epoch": e }, svg);
      svgEl("title", { text: t("chart.point", { epoch: e, value: options.format(v, true) }) }, dot);
    }
  }
}

function renderRun(run) {
  state.run = run;
  const pill = $("train-state");
  const name = run ? run.state : "idle";
  pill.textContent = t(`train.state.${name}`);
  pill.className = `state-pill ${name}`;
  const running = Boolean(run && run.running);
  $("train-start").disabled = running || !state.mayTrain;
  $("train-stop").disabled = !running || (run && run.state === "stopping") || !state.mayTrain;
  const epochs = run ? run.epochs : [];
  const total = run ? run.config.epochs : Number($("train-epochs").value) || 30;
  chart($("cost-chart"), [
    { name: "training cost", className: "series-training", values: epochs.map((e) => e.training_cost) },
    { name: "validation cost", className: "series-validation", values: epochs.map((e) => e.validation_cost) },
  ], { epochs: total, fit: true, format: (v) => v.toFixed(3) });
  chart($("accuracy-chart"), [
    { name: "training accuracy", className: "series-training", values: epochs.map((e) => e.training_accuracy) },
    { name: "validation accuracy", className: "series-validation", values: epochs.map((e) => e.validation_accuracy) },
  ], { epochs: total, fit: true, cap: 1, format: (v, exact) => percent(v, exact ? 2 : 1) });
  const body = $("epoch-table").tBodies[0];
  body.textContent = "";
  for (const e of epochs) {
    const row = el("tr", {}, body);
    for (const text of [e.epoch, e.training_cost.toFixed(4), percent(e.training_accuracy, 2),
      e.validation_accuracy === null ? "–" : percent(e.validation_accuracy, 2), e.seconds.toFixed(2)]) el("td", { text: String(text) }, row);
  }
  let status = t("train.status.none");
  if (run) {
    const what = t("train.status.what", { layers: run.config.layers.join("-"), activation: run.config.activation, cost: run.config.cost, lr: run.config.lr, m: run.config.batch_size, n: run.training_size.toLocaleString() });
    if (run.running) {
      const last = epochs[epochs.length - 1];
      status = t("train.status.running", { what, epoch: Math.min(run.epoch + 1, total), total }) + (last && last.validation_accuracy !== null ? t("train.status.validation", { accuracy: percent(last.validation_accuracy, 2) }) : "");
      if (run.state === "stopping") status += t("train.status.stopping");
    } else {
      status = t(run.state === "failed" ? "train.status.failed" : run.state === "stopped" ? "train.status.stopped" : "train.status.done", { what, message: runMessage(run) });
    }
  }
  $("train-status").textContent = status;
  $("train-progress").style.width = run && run.running ? `${(100 * (run.progress || 0)).toFixed(1)}%` : "0%";
  const banner = $("training-banner");
  banner.hidden = !running;
  if (running) {
    const last = epochs[epochs.length - 1];
    $("training-banner-text").textContent = t(run.live ? "banner.live" : "banner.running") + t("banner.epoch", { epoch: Math.min(run.epoch + 1, total), total })
      + (last && last.validation_accuracy !== null ? t("banner.validation", { accuracy: percent(last.validation_accuracy, 2) }) : t("banner.end"));
  }
}

function runMessage(run) {
  // A finished training's numbers worded in the page's language; a failure's reason as the server gives it.
  const result = run.result;
  if (run.state === "failed") return t("error.server", { message: run.message });
  if (!result) return run.message;
  if (!result.epochs) return t("train.result_none");
  return t("train.result", { accuracy: percent(result.test_accuracy, 2), epochs: result.epochs })
    + (result.saved ? t("train.result_saved", { path: result.saved }) : "");
}

async function refreshRun() {
  const status = await api("GET", "/api/train");
  if (!state.defaultsApplied) { applyDefaults(status.defaults, status.run); state.defaultsApplied = true; }
  renderRun(status.run);
  if (status.run && status.run.running) listen();
}

function applyDefaults(defaults, run) {
  const source = run ? { ...run.config, training_size: run.training_size } : defaults;
  $("train-layers").value = source.layers.join(",");
  $("train-activation").value = source.activation;
  $("train-cost").value = source.cost;
  $("train-lr").value = source.lr;
  $("train-batch").value = source.batch_size;
  $("train-epochs").value = source.epochs;
  $("train-size").value = source.training_size;
}

function listen() {
  if (state.events) return;
  const source = new EventSource("/api/train/events");
  state.events = source;
  const run = () => state.run ? { ...state.run, epochs: [...state.run.epochs] } : null;
  source.addEventListener("status", (event) => {
    const data = JSON.parse(event.data);
    const current = run();
    if (!current) return;
    current.state = data.state;
    current.message = data.message;
    current.result = data.result;
    current.running = !["done", "stopped", "failed"].includes(data.state);
    renderRun(current);
  });
  source.addEventListener("epoch", (event) => {
    const record = JSON.parse(event.data);
    const current = run();
    if (!current) return;
    if (!current.epochs.some((e) => e.epoch === record.epoch)) current.epochs.push(record);
    current.epoch = record.epoch;
    current.progress = 0;
    renderRun(current);
  });
  source.addEventListener("progress", (event) => {
    const data = JSON.parse(event.data);
    const current = run();
    if (!current) return;
    current.progress = data.fraction;
    renderRun(current);
  });
  source.addEventListener("model", () => onNewModel());
  source.addEventListener("end", () => {
    source.close();
    state.events = null;
    refreshRun().catch(() => {});
  });
  source.onerror = () => {
    source.close();
    state.events = null;
    setTimeout(() => refreshRun().catch(() => {}), 1500);
  };
}

async function onNewModel() {
  const before = state.model ? state.model.sizes.join("-") : "";
  await refreshModel();
  if (state.model && state.model.sizes.join("-") !== before && state.inspected) {
    state.inspected = null;
    $("inspector").hidden = true;
  }
  if (state.sampleShown !== null) openSample(state.sampleShown, false).catch(() => {});
  else requestPrediction(true);
  $("samples-grid").textContent = "";
  if (!$("panel-samples").hidden) loadSamples(true);
  if (wish.example) loadWishes(false);  // backprop.js: the new model's wishes
}

$("train-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("train-error").textContent = "";
  const layers = $("train-layers").value.split(",").map((part) => part.trim());
  const body = {
    layers: layers.map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
    activation: $("train-activation").value,
    cost: $("train-cost").value,
    lr: Number($("train-lr").value),
    batch_size: Number($("train-batch").value),
    epochs: Number($("train-epochs").value),
    training_size: Number($("train-size").value),
  };
  try {
    const run = await api("POST", "/api/train", body);
    renderRun(run);
    listen();
  } catch (err) {
    $("train-error").textContent = serverError(err);
  }
});

$("train-stop").addEventListener("click", async () => {
  try {
    renderRun(await api("POST", "/api/train/stop"));
  } catch (err) {
    $("train-error").textContent = serverError(err);
  }
});
