// The studio's page: controls generated from the scenario, live results on
// common random numbers, one trial's story, the changes as a what-if file.
// The whole state lives in the address (#s=…&set=PATH=VALUE&…), so a link
// reopens the same view. No library, nothing fetched from elsewhere.
"use strict";

const token = document.querySelector('meta[name="studio-token"]').content;
const pageId = Array.from(crypto.getRandomValues(new Uint8Array(8)), b => b.toString(16).padStart(2, "0")).join("");
// Trials of the first picture, then of each refinement (the server caps them).
const STEPS = [20000, 200000, 1000000];
const $ = id => document.getElementById(id);

const state = { scenario: "", set: new Map(), yaml: null, seed: null };
let controls = null;       // the scenario's controls, as the server made them
// When the YAML pane holds changes the controls cannot write (a rule added,
// a distribution replaced), the pane is what runs: the controls then show
// its values (path → value), greyed, until Reset.
let overridden = null;
let sequence = 0;          // number of the newest run request
let inflight = null;       // its AbortController
let changedAt = 0;         // when the newest change was made (performance.now)
// Milliseconds from a change to its first picture, for the latency check.
window.studioTimings = [];

async function api(path, body) {
  const init = { headers: { "x-studio-token": token } };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body.payload);
    init.signal = body.signal;
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let value = null;
  try { value = JSON.parse(text); } catch (_) { value = text; }
  if (!response.ok) {
    const error = new Error((value && value.error) || text || response.statusText);
    error.status = response.status;
    error.diagnostics = (value && value.diagnostics) || [];
    throw error;
  }
  return value;
}

function changed() {
  return { scenario: state.scenario, set: Array.from(state.set.entries()), yaml: state.yaml };
}

// --- the address ---------------------------------------------------------

function readAddress() {
  const params = new URLSearchParams(location.hash.slice(1));
  state.scenario = params.get("s") || "kazakhstan-2022";
  state.set = new Map();
  for (const item of params.getAll("set")) {
    const cut = item.indexOf("=");
    if (cut > 0) state.set.set(item.slice(0, cut), item.slice(cut + 1));
  }
  state.yaml = params.get("yaml");
  state.seed = params.has("seed") ? Number(params.get("seed")) : null;
}

function writeAddress() {
  const params = new URLSearchParams();
  params.set("s", state.scenario);
  for (const [path, value] of state.set) params.append("set", `${path}=${value}`);
  if (state.yaml !== null) params.set("yaml", state.yaml);
  if (state.seed !== null) params.set("seed", String(state.seed));
  history.replaceState(null, "", `${location.pathname}${location.search}#${params}`);
}

// --- controls --------------------------------------------------------------

function format(x) {
  if (!Number.isFinite(x)) return "—";
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString("en");
  return String(Number(x.toPrecision(4))); // 0.002 stays 0.002, 1.5 stays 1.5
}

function controlFor(c) {
  const box = document.createElement("div");
  box.className = "control";
  box.dataset.path = c.path;
  const id = `c-${c.path.replace(/[^A-Za-z0-9]/g, "-")}`;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = c.label;
  if (c.because) label.title = c.because;
  box.title = c.because || c.path;
  box.append(label);
  const current = overridden ? overridden.get(c.path) ?? null : state.set.has(c.path) ? state.set.get(c.path) : null;
  let input;
  if (c.kind === "slider") {
    input = document.createElement("input");
    input.type = "range";
    input.min = c.min; input.max = c.max; input.step = c.step;
    input.value = current !== null ? current : c.value;
    // A tick at the value as written.
    const list = document.createElement("datalist");
    list.id = `${id}-base`;
    const tick = document.createElement("option");
    tick.value = c.value;
    list.append(tick);
    input.setAttribute("list", list.id);
    const out = document.createElement("output");
    out.textContent = format(Number(input.value));
    input.addEventListener("input", () => { out.textContent = format(Number(input.value)); });
    box.append(input, out, list);
  } else if (c.kind === "switch") {
    input = document.createElement("input");
    input.type = "checkbox";
    input.checked = current !== null ? current === "true" : c.value;
    box.append(input);
  } else {
    input = document.createElement("select");
    for (const option of c.options) {
      const o = document.createElement("option");
      o.value = option; o.textContent = option;
      input.append(o);
    }
    input.value = current !== null ? current : c.value;
    box.append(input);
  }
  input.id = id;
  input.dataset.path = c.path;
  const base = document.createElement("span");
  base.className = "base";
  base.textContent = `as written: ${c.kind === "slider" ? format(c.value) : c.value}`;
  box.append(base);
  const text = () => (c.kind === "switch" ? String(input.checked) : String(input.value));
  const asWritten = c.kind === "switch" ? String(c.value) : String(c.value);
  const apply = () => {
    const value = text();
    const same = c.kind === "slider" ? Number(value) === c.value : value === asWritten;
    if (same) state.set.delete(c.path); else state.set.set(c.path, value);
    box.classList.toggle("changed", !same);
    state.yaml = null;
    change();
  };
  // Sliders run when they stop moving (change); switches and choices at once.
  input.addEventListener("change", apply);
  const differs = current !== null && (c.kind === "slider" ? Number(current) !== c.value : current !== asWritten);
  box.classList.toggle("changed", differs);
  if (overridden) {
    input.disabled = true;
    box.title = "set by the YAML pane (Reset to use the controls again)";
  }
  return box;
}

function drawControls() {
  const aside = $("controls");
  aside.replaceChildren();
  if (controls.presets && controls.presets.length) {
    const box = document.createElement("div");
    box.className = "presets";
    const caption = document.createElement("span");
    caption.className = "caption";
    caption.textContent = "What-ifs to start from:";
    box.append(caption);
    for (const preset of controls.presets) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = preset.name.replace(/^what-if\//, "").replaceAll("-", " ");
      button.title = preset.description;
      button.addEventListener("click", () => usePreset(preset));
      box.append(button);
    }
    aside.append(box);
  }
  if (overridden) {
    const note = document.createElement("p");
    note.className = "overridden";
    note.textContent = "The YAML pane changes more than the controls can show, so it is what runs (and what the link and the saved file hold). The controls show its values. Reset to use the controls again.";
    aside.append(note);
  }
  for (const group of controls.groups) {
    const details = document.createElement("details");
    const changedHere = group.controls.some(c => state.set.has(c.path) || (overridden && String(overridden.get(c.path)) !== String(c.value)));
    details.open = changedHere || group.title === "Alliance" || group.title === "Crisis" || group.title.startsWith("Decisions");
    const summary = document.createElement("summary");
    summary.textContent = group.title;
    details.append(summary, ...group.controls.map(controlFor));
    aside.append(details);
  }
  const outcome = $("outcome");
  outcome.replaceChildren(...controls.classes.map(name => {
    const o = document.createElement("option");
    o.value = name; o.textContent = name.replace("_", " ");
    return o;
  }));
  outcome.value = "deploy";
}

// --- runs ------------------------------------------------------------------

function change() {
  changedAt = performance.now();
  listChanges();
  writeAddress();
  refreshYaml();
  runSteps();
}

function percent(p) { return `${(100 * p).toFixed(1)}%`; }

function show(result) {
  const base = result.base.funnel.deploy;
  const variant = result.variant.funnel.deploy;
  const line = result.comparison.against[0].lines.find(l => l.section === "funnel" && l.item === "deploy");
  $("p-base").textContent = percent(base.p);
  $("p-base").dataset.value = base.p;
  $("p-deploy").textContent = percent(variant.p);
  $("p-deploy").dataset.value = variant.p;
  const d = line.difference;
  $("p-diff").textContent = `${d.diff >= 0 ? "+" : "−"}${Math.abs(100 * d.diff).toFixed(1)} pp [${(100 * d.lo).toFixed(1)}, ${(100 * d.hi).toFixed(1)}]`;
  $("p-diff").dataset.value = d.diff;
  $("trials").textContent = `${result.trials.toLocaleString("en")}, ${result.seed}`;
  $("trials").dataset.trials = result.trials;
  $("trials").dataset.seed = result.seed;
  const charts = $("charts");
  charts.innerHTML = result.html;
  charts.classList.remove("stale");
  document.body.dataset.trials = result.trials;
}

async function runSteps() {
  if (!controls) return;
  if (inflight) inflight.abort();
  const controller = new AbortController();
  inflight = controller;
  const mine = ++sequence;
  const started = changedAt;
  $("charts").classList.add("stale");
  delete document.body.dataset.trials;
  for (const [i, trials] of STEPS.entries()) {
    $("status").textContent = i === 0 ? "running…" : `refining to ${trials.toLocaleString("en")} trials…`;
    let result;
    try {
      result = await api("/api/run", {
        signal: controller.signal,
        payload: { page: pageId, sequence: mine, ...changed(), trials, seed: state.seed },
      });
    } catch (e) {
      if (controller.signal.aborted || e.status === 409) return;
      $("status").textContent = `error: ${e.message}`;
      showDiagnostics(e.diagnostics);
      return;
    }
    if (mine !== sequence) return;
    show(result);
    if (i === 0) window.studioTimings.push(performance.now() - started);
    if (result.busy) {
      $("status").textContent = `refined to ${result.trials.toLocaleString("en")} trials: the class is busy`;
      document.body.dataset.done = String(mine);
      return;
    }
    if (result.trials < trials) break; // the server's cap
  }
  if (mine === sequence) {
    $("status").textContent = `done: ${Number(document.body.dataset.trials).toLocaleString("en")} trials, common random numbers`;
    document.body.dataset.done = String(mine);
  }
}

// --- the what-if file ------------------------------------------------------

async function whatIfText() {
  if (state.yaml !== null) return state.yaml; // the pane is what runs (checked as typed)
  return api("/api/what-if", { payload: { scenario: state.scenario, set: Array.from(state.set.entries()) } });
}
window.studioWhatIf = whatIfText;

async function refreshYaml() {
  if (state.yaml !== null) {
    $("yaml").value = state.yaml;
    return;
  }
  try {
    $("yaml").value = await whatIfText();
    $("yaml").classList.remove("invalid");
    showDiagnostics(controls ? controls.warnings : []); // the scenario's own warnings
  } catch (e) {
    showDiagnostics(e.diagnostics.length ? e.diagnostics : [{ severity: "error", line: 0, column: 0, message: e.message }]);
  }
}

function showDiagnostics(list) {
  $("diagnostics").replaceChildren(...list.map(d => {
    const li = document.createElement("li");
    li.className = d.severity;
    li.textContent = `${d.severity} at line ${d.line}, column ${d.column}: ${d.message}${d.expected ? ` (expected ${d.expected})` : ""}${d.help ? ` — ${d.help}` : ""}`;
    li.dataset.line = d.line;
    li.dataset.column = d.column;
    return li;
  }));
}

let typing = null;
$("yaml").addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(async () => {
    const text = $("yaml").value;
    let answer;
    try {
      answer = await api("/api/validate", { payload: { scenario: state.scenario, set: [], yaml: text } });
    } catch (e) {
      answer = { ok: false, diagnostics: e.diagnostics.length ? e.diagnostics : [{ severity: "error", line: 0, column: 0, message: e.message }] };
    }
    showDiagnostics(answer.diagnostics);
    $("yaml").classList.toggle("invalid", !answer.ok);
    if (answer.ok) {
      adopt(text, answer);
      changedAt = performance.now();
      listChanges();
      writeAddress();
      runSteps();
    }
  }, 300);
});

// A bundled what-if as the page's changes, as if its text were typed.
async function usePreset(preset) {
  try {
    const answer = await api("/api/validate", { payload: { scenario: state.scenario, set: [], yaml: preset.text } });
    if (!answer.ok) { showDiagnostics(answer.diagnostics); return; }
    adopt(preset.text, answer);
    change();
  } catch (e) {
    $("status").textContent = `error: ${e.message}`;
  }
}

// The changes, listed under the headline with their controls' labels.
function listChanges() {
  const list = $("changes");
  const labels = new Map(controls ? controls.groups.flatMap(g => g.controls.map(c => [c.path, [g.title, c]])) : []);
  const items = [];
  const values = overridden ? [...overridden.entries()] : [...state.set.entries()];
  for (const [path, value] of values) {
    const known = labels.get(path);
    if (!known) continue;
    const [group, c] = known;
    if (String(value) === String(c.value) || (c.kind === "slider" && Number(value) === c.value)) continue;
    const li = document.createElement("li");
    const shown = v => (c.kind === "slider" ? format(Number(v)) : String(v));
    li.textContent = `${group} · ${c.label}: ${shown(c.value)} → ${shown(value)}`;
    items.push(li);
  }
  if (state.yaml !== null) {
    const li = document.createElement("li");
    li.textContent = "and what the YAML pane says beyond the controls";
    items.push(li);
  }
  list.replaceChildren(...items);
  list.hidden = items.length === 0;
}

// Valid YAML from the pane becomes the one truth of the page: as the
// controls' changes when it changes nothing else (the controls move to its
// values; the link and the saved file hold the same changes), or else as
// the text itself, the controls showing its values, greyed.
function adopt(text, answer) {
  if (answer.set) {
    state.yaml = null;
    state.set = new Map(answer.set);
    overridden = null;
  } else {
    state.yaml = text;
    state.set = new Map();
    overridden = new Map(answer.values || []);
  }
  if (controls) drawControls();
}

// A click on a diagnostic puts the cursor at its line and column.
$("diagnostics").addEventListener("click", event => {
  const item = event.target.closest("li");
  if (!item || !Number(item.dataset.line)) return;
  const lines = $("yaml").value.split("\n");
  const line = Math.min(Number(item.dataset.line), lines.length);
  let offset = 0;
  for (let i = 0; i < line - 1; i++) offset += lines[i].length + 1;
  offset += Math.max(0, Number(item.dataset.column) - 1);
  $("yaml").focus();
  $("yaml").setSelectionRange(offset, offset + 1);
});

// --- which input matters most --------------------------------------------

let tornadoSequence = 0;
$("rank").addEventListener("click", async () => {
  $("tornado").textContent = "moving every input down and up…";
  const mine = ++tornadoSequence;
  try {
    const answer = await api("/api/tornado", { payload: { page: pageId, sequence, ...changed(), trials: 5000, seed: state.seed } });
    if (mine === tornadoSequence) $("tornado").innerHTML = answer.html;
  } catch (e) {
    if (mine !== tornadoSequence) return;
    $("tornado").textContent = e.status === 409 ? "stopped: the scenario changed (press again)" : `error: ${e.message}`;
  }
});

// The skip link focuses the results (the address's fragment holds the
// page's state, so it is not followed).
document.querySelector(".skip").addEventListener("click", event => {
  event.preventDefault();
  $("results").focus();
});

// A tornado row opens its control.
$("tornado").addEventListener("click", event => {
  const row = event.target.closest("[data-input]");
  if (!row) return;
  const box = document.querySelector(`#controls .control[data-path="${CSS.escape(row.dataset.input)}"]`);
  if (!box) return;
  box.closest("details").open = true;
  box.scrollIntoView({ block: "center" });
  const input = box.querySelector("input, select");
  if (input) input.focus();
  box.classList.add("pointed");
  setTimeout(() => box.classList.remove("pointed"), 1500);
});

// --- the story of one trial --------------------------------------------

$("tell").addEventListener("click", async () => {
  $("story").textContent = "searching…";
  try {
    const answer = await api("/api/story", { payload: { page: pageId, sequence, ...changed(), outcome: $("outcome").value, seed: state.seed } });
    $("story").textContent = answer.trial === null ? answer.text : `Trial ${answer.trial} (seed ${answer.seed}):\n\n${answer.text}`;
  } catch (e) {
    $("story").textContent = e.status === 409 ? "stopped: the scenario changed (press again)" : `error: ${e.message}`;
  }
});

// --- buttons and the scenario picker -------------------------------------

$("share").addEventListener("click", async () => {
  try { await navigator.clipboard.writeText(location.href); $("status").textContent = "link copied"; }
  catch (_) { prompt("Copy this link:", location.href); }
});

$("save").addEventListener("click", async () => {
  try {
    const text = await whatIfText();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/yaml" }));
    link.download = "what-if.yaml";
    link.click();
    URL.revokeObjectURL(link.href);
  } catch (e) {
    $("status").textContent = `error: ${e.message}`;
  }
});

$("reset").addEventListener("click", () => {
  state.set = new Map();
  state.yaml = null;
  overridden = null;
  drawControls();
  change();
});

$("scenario").addEventListener("change", () => {
  state.scenario = $("scenario").value;
  state.set = new Map();
  state.yaml = null;
  overridden = null;
  open();
});

async function fillPicker() {
  const list = await api("/api/scenarios");
  const picker = $("scenario");
  const group = (label, items) => {
    const g = document.createElement("optgroup");
    g.label = label;
    for (const item of items) {
      const o = document.createElement("option");
      o.value = item.value; o.textContent = item.text; o.title = item.title || "";
      g.append(o);
    }
    return g;
  };
  picker.replaceChildren(
    group("Bundled", list.bundled.map(b => ({ value: b.name, text: b.name, title: b.description }))),
    group("Files in this folder", list.files.map(f => ({ value: f, text: f.slice(5) }))),
  );
  if (![...picker.options].some(o => o.value === state.scenario)) {
    const o = document.createElement("option");
    o.value = state.scenario; o.textContent = state.scenario;
    picker.prepend(o);
  }
  picker.value = state.scenario;
}

async function open() {
  $("status").textContent = "loading the scenario…";
  try {
    controls = await api(`/api/controls?scenario=${encodeURIComponent(state.scenario)}`);
  } catch (e) {
    // Nothing of the previous scenario stays on the page.
    controls = null;
    overridden = null;
    if (inflight) inflight.abort();
    sequence++;
    $("controls").replaceChildren();
    for (const id of ["p-base", "p-deploy", "p-diff", "trials"]) {
      $(id).textContent = "—";
      delete $(id).dataset.value;
    }
    for (const id of ["charts", "tornado", "story", "written"]) $(id).replaceChildren();
    $("yaml").value = "";
    const first = e.diagnostics.find(d => d.severity === "error");
    const where = first ? `${first.file}${first.line ? `, line ${first.line}, column ${first.column}` : ""}: ${first.message}` : e.message;
    const more = e.diagnostics.length > 1 ? ` (and ${e.diagnostics.length - 1} more, listed under the YAML pane)` : "";
    $("load-error").textContent = `${state.scenario.replace(/^file:/, "")} does not load. ${where}${more}`;
    $("load-error").hidden = false;
    $("changes").hidden = true;
    $("status").textContent = "error";
    delete document.body.dataset.trials;
    showDiagnostics(e.diagnostics);
    return;
  }
  $("load-error").hidden = true;
  overridden = null;
  if (state.yaml !== null) {
    // A link with YAML: the pane is adopted as if typed.
    try {
      const answer = await api("/api/validate", { payload: { scenario: state.scenario, set: [], yaml: state.yaml } });
      if (answer.ok) adopt(state.yaml, answer);
      else showDiagnostics(answer.diagnostics);
    } catch (e) {
      showDiagnostics(e.diagnostics || []);
    }
  }
  document.title = `${controls.name} — alliance-sim studio`;
  $("written").textContent = controls.text;
  $("tornado").replaceChildren();
  drawControls();
  change();
}

window.addEventListener("hashchange", () => {
  const before = location.hash;
  readAddress();
  if (before === location.hash && controls && controls.scenario === state.scenario) {
    drawControls();
    change();
  } else {
    fillPicker().then(open);
  }
});

readAddress();
fillPicker().then(open).catch(e => { $("status").textContent = `error: ${e.message}`; });
