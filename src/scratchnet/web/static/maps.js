// The Draw tab's feature maps, for a convolutional model: the drawing's maps layer by layer as small grey
// tiles, strongest first, and the first layer's filters; click a map to see the filter that made it and the
// patch of the drawing its strongest neuron answered (its receptive field). Every number comes from the
// server's trace (/api/read, /api/predict: "maps" and "filters", scratchnet.web.maps) and /api/filter; this
// script only draws. It uses app.js's helpers ($, api, el, clamp, formatNumber, state) and i18n.js's t().
"use strict";

const mapsView = {
  trace: null,       // the last trace with maps, or null
  selected: null,    // {layer, map} of the clicked map
  filters: {},       // /api/filter answers by "version:layer:map"
  sequence: 0,
  inView: true,      // whether the maps' section is on screen (watchMaps keeps it; until it has said, yes)
  leftOut: false,    // whether the last reading left the maps out: they are asked for once they come into view
};

const MAP_POSITIVE = [78, 161, 255];  // the inspector's colours: blue pushes z up, red pulls it down
const MAP_NEGATIVE = [255, 107, 107];

function mapLevels(layer) {
  // The layer's grey levels as bytes, map after map, row after row (base64 on the wire).
  const text = atob(layer.levels);
  const levels = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) levels[i] = text.charCodeAt(i);
  return levels;
}

function mapValues(layer, levels, f) {
  // Map f's activations: a = offset + scale · level, within half a scale of the network's own.
  const size = layer.height * layer.width;
  const values = new Float64Array(size);
  for (let i = 0; i < size; i++) values[i] = layer.offset[f] + layer.scale[f] * levels[f * size + i];
  return values;
}

function paintValues(canvas, values, low, high) {
  // Grey levels from black (low) to white (high) on a canvas of the map's own size.
  const g = canvas.getContext("2d");
  const image = g.createImageData(canvas.width, canvas.height);
  const span = Math.max(high - low, 1e-12);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(255 * clamp((values[i] - low) / span, 0, 1));
    image.data.set([v, v, v, 255], 4 * i);
  }
  g.putImageData(image, 0, 0);
}

function paintWeights(canvas, weights, largest) {
  // A k×k filter in the inspector's colours, as bright as |w| / largest.
  const g = canvas.getContext("2d");
  const image = g.createImageData(canvas.width, canvas.height);
  weights.forEach((w, i) => {
    const colour = w >= 0 ? MAP_POSITIVE : MAP_NEGATIVE;
    const shade = Math.abs(w) / Math.max(largest, 1e-12);
    image.data.set([...colour.map((c) => Math.round(c * shade)), 255], 4 * i);
  });
  g.putImageData(image, 0, 0);
}

function tileSide(side) { return clamp(side * 2, 28, 48); }

// The maps and filters ----------------------------------------------------------------------------

function showMaps(trace) {
  // Called by draw.js and app.js with each new trace (null when there is none); hidden for a dense network.
  const section = $("maps");
  // The maps of the model chosen: the served one's, or the reader's when it read the drawing (trace.maps_model).
  const convolutional = trace ? Boolean(trace.maps || trace.maps_left_out) : Boolean(state.model && state.model.ready && state.model.convolutional);
  section.hidden = !convolutional;
  mapsView.leftOut = Boolean(trace && trace.maps_left_out);
  section.classList.toggle("stale", mapsView.leftOut);
  if (!convolutional) { mapsView.trace = null; return; }
  if (mapsView.leftOut) return;  // out of view, the earlier maps stay until this drawing's are asked for (watchMaps)
  mapsView.trace = trace && trace.maps ? trace : null;
  $("maps-empty").hidden = mapsView.trace !== null;
  showFilters(mapsView.trace ? mapsView.trace.filters : null);
  $("maps-of-reader").hidden = !(mapsView.trace && mapsView.trace.maps_model === "reader");
  const rows = $("maps-layers");
  rows.replaceChildren();
  if (!mapsView.trace) { $("map-detail").hidden = true; return; }
  for (const layer of mapsView.trace.maps) showMapLayer(rows, layer);
  if (mapsView.selected) showMapDetail();
}

function showFilters(filters) {
  const row = $("maps-filters");
  row.replaceChildren();
  $("maps-filters-title").hidden = !filters;
  if (!filters) return;
  const [count, channels, k] = filters.shape;
  const largest = Math.max(...filters.weights.map(Math.abs));
  $("maps-filters-title").textContent = t("maps.filters", { spelling: filters.spelling, count, k });
  for (let f = 0; f < count; f++) {
    const weights = filters.weights.slice(f * channels * k * k, f * channels * k * k + k * k);  // the first channel
    const tile = el("canvas", {
      class: "filter-tile", width: k, height: k, "data-testid": "filter-tile", "data-map": f,
      title: t("maps.filter_title", { map: f, bias: formatNumber(filters.bias[f]) }),
    }, row);
    tile.style.width = tile.style.height = `${tileSide(k * 4)}px`;
    paintWeights(tile, weights, largest);
  }
}

function showMapLayer(rows, layer) {
  // One row: the layer's name and its maps as tiles, strongest (largest mean activation) first, on one grey
  // scale for the whole layer, so a weak map looks weak.
  const row = el("div", { class: "map-layer", "data-testid": `map-layer-${layer.layer}`, "data-count": layer.count }, rows);
  el("div", {
    class: "map-layer-label",
    text: t(layer.kind === "conv" ? "maps.conv_layer" : "maps.pool_layer", { spelling: layer.spelling, count: layer.count, height: layer.height, width: layer.width }),
  }, row);
  const tiles = el("div", { class: "map-tiles" }, row);
  const levels = mapLevels(layer);
  const low = Math.min(0, ...layer.offset);
  const high = Math.max(...layer.peak);
  for (const f of layer.order) {
    const selected = mapsView.selected && mapsView.selected.layer === layer.layer && mapsView.selected.map === f;
    const tile = el("button", {
      type: "button", class: `map-tile${selected ? " selected" : ""}`, "data-testid": "map-tile",
      "data-layer": layer.layer, "data-map": f, "data-mean": layer.mean[f].toFixed(4),
      title: t("maps.tile_title", { map: f, mean: formatNumber(layer.mean[f]), peak: formatNumber(layer.peak[f]) }),
    }, tiles);
    const picture = el("canvas", { width: layer.width, height: layer.height }, tile);
    picture.style.width = `${tileSide(layer.width)}px`;
    picture.style.height = `${tileSide(layer.height)}px`;
    paintValues(picture, mapValues(layer, levels, f), low, high);
    tile.addEventListener("click", () => selectMap(layer.layer, f));
  }
}

// One map, its filter and its patch ----------------------------------------------------------------

function selectMap(layer, map) {
  mapsView.selected = { layer, map };
  for (const tile of document.querySelectorAll("#maps-layers .map-tile")) {
    tile.classList.toggle("selected", Number(tile.dataset.layer) === layer && Number(tile.dataset.map) === map);
  }
  showMapDetail();
}

$("map-detail-close").addEventListener("click", () => {
  mapsView.selected = null;
  $("map-detail").hidden = true;
  for (const tile of document.querySelectorAll("#maps-layers .map-tile.selected")) tile.classList.remove("selected");
});

function showMapDetail() {
  const trace = mapsView.trace;
  const { layer: number, map } = mapsView.selected;
  const layer = trace && trace.maps.find((candidate) => candidate.layer === number);
  if (!layer || map >= layer.count) { $("map-detail").hidden = true; return; }
  $("map-detail").hidden = false;
  $("map-detail").dataset.layer = String(number);
  $("map-detail").dataset.map = String(map);
  $("map-detail-title").textContent = t("maps.detail_title", { map, spelling: layer.spelling });
  const [top, left, height, width] = layer.fields[map];
  showMapPicture(layer, map);
  showPatch(trace.input, top, left, height, width);
  $("map-detail-caption").textContent = t("maps.detail_caption", {
    peak: formatNumber(layer.peak[map]), mean: formatNumber(layer.mean[map]),
    top, bottom: top + height - 1, left, right: left + width - 1, height, width,
  });
  showMapFilter(layer, map);
}

function showMapPicture(layer, map) {
  // The map itself, on its own grey scale, its strongest neuron framed in gold.
  const side = Math.max(2, Math.floor(120 / Math.max(layer.height, layer.width)));
  const canvas = $("map-detail-map");
  canvas.width = layer.width * side;
  canvas.height = layer.height * side;
  const small = el("canvas", { width: layer.width, height: layer.height });
  const values = mapValues(layer, mapLevels(layer), map);
  paintValues(small, values, Math.min(0, layer.offset[map]), layer.peak[map]);
  const g = canvas.getContext("2d");
  g.imageSmoothingEnabled = false;
  g.drawImage(small, 0, 0, canvas.width, canvas.height);
  let best = 0;
  values.forEach((v, i) => { if (v > values[best]) best = i; });
  g.strokeStyle = "#ffd166";
  g.lineWidth = 2;
  g.strokeRect((best % layer.width) * side + 1, Math.floor(best / layer.width) * side + 1, side - 2, side - 2);
}

function showPatch(input, top, left, height, width) {
  // The drawing as the network saw it (28×28) with the field boxed, and the patch inside the box enlarged.
  const side = 5;
  const whole = $("map-detail-input");
  whole.width = whole.height = 28 * side;
  const small = el("canvas", { width: 28, height: 28 });
  paintGrey(small, input);
  const g = whole.getContext("2d");
  g.imageSmoothingEnabled = false;
  g.drawImage(small, 0, 0, whole.width, whole.height);
  g.strokeStyle = "#ffd166";
  g.lineWidth = 2;
  g.strokeRect(left * side, top * side, width * side, height * side);
  const patch = $("map-detail-patch");
  const scale = Math.max(1, Math.floor(140 / Math.max(height, width)));
  patch.width = width * scale;
  patch.height = height * scale;
  patch.dataset.field = [top, left, height, width].join(" ");
  const p = patch.getContext("2d");
  p.imageSmoothingEnabled = false;
  p.drawImage(small, left, top, width, height, 0, 0, patch.width, patch.height);
}

async function showMapFilter(layer, map) {
  // The filter that made the map: the first layer's come with the trace; a deeper one is asked for.
  const trace = mapsView.trace;
  let filter = null;
  if (trace.filters && layer.made_by === trace.filters.made_by) {
    const [, channels, k] = trace.filters.shape;
    const size = channels * k * k;
    filter = { shape: [channels, k, k], weights: trace.filters.weights.slice(map * size, (map + 1) * size), bias: trace.filters.bias[map], spelling: trace.filters.spelling };
  } else {
    const model = trace.maps_model || "served";
    const key = `${model}:${state.model ? state.model.version : 0}:${layer.layer}:${map}`;
    const sequence = ++mapsView.sequence;
    try {
      filter = mapsView.filters[key] || (mapsView.filters[key] = await api("POST", "/api/filter", { layer: layer.layer, map, model }));
    } catch (err) {
      $("map-detail-filter-caption").textContent = serverError(err);
      return;
    }
    if (sequence !== mapsView.sequence) return;
  }
  drawFilter(filter);
}

function drawFilter(filter) {
  // One k×k tile per input channel (a deeper filter reads every map below it).
  const [channels, k] = filter.shape;
  const box = $("map-detail-filter");
  box.replaceChildren();
  box.dataset.channels = String(channels);
  const largest = Math.max(...filter.weights.map(Math.abs));
  const side = channels === 1 ? 120 : clamp(Math.floor(260 / Math.ceil(Math.sqrt(channels))) - 4, 18, 60);
  for (let c = 0; c < channels; c++) {
    const tile = el("canvas", { class: "filter-channel", width: k, height: k, "data-testid": "map-filter-channel" }, box);
    tile.style.width = tile.style.height = `${side}px`;
    paintWeights(tile, filter.weights.slice(c * k * k, (c + 1) * k * k), largest);
  }
  $("map-detail-filter-caption").textContent = t(channels === 1 ? "maps.filter_caption" : "maps.deep_filter_caption", {
    spelling: filter.spelling, k, channels, bias: formatNumber(filter.bias), largest: formatNumber(largest),
  });
}

// Maps only while they are seen ---------------------------------------------------------------------

function mapsWanted() {
  // Whether a reading should carry the maps: while their section is on screen. On a phone it lies below the
  // canvas while the finger draws; left out, each answer costs the server over a quarter less work and the phone a
  // sixth of the bytes (docs/benchmarks.md, "Load"). Scrolled into view, this drawing's maps are asked for at once.
  return mapsView.inView;
}

function watchMaps() {
  if (!("IntersectionObserver" in window)) return;  // then always asked for
  new IntersectionObserver((entries) => {
    mapsView.inView = entries[entries.length - 1].isIntersecting;
    if (mapsView.inView && mapsView.leftOut) requestPrediction(true);  // draw.js
  }).observe($("maps"));
}

watchMaps();
