// The dashboard: one EventSource on /dashboard/events (server, job and preview events, made from the pool's
// observables), applied to plain DOM. No framework, no build step. User text only ever goes through textContent.
"use strict";

const FINISHED = new Set(["completed", "failed", "cancelled"]);
const MAX_FINISHED = 24;
const jobs = new Map();   // id -> { id, status, prompt, server, fraction, error, preview, el }

const $ = id => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

function connect() {
  const source = new EventSource("/dashboard/events");
  const connection = $("connection");
  source.onopen = () => { connection.dataset.state = "open"; connection.textContent = "live"; };
  // EventSource reconnects by itself; the server then starts again with a snapshot.
  source.onerror = () => { connection.dataset.state = "connecting"; connection.textContent = "reconnecting…"; };
  source.addEventListener("server", e => showServer(JSON.parse(e.data)));
  source.addEventListener("job", e => applyJob(JSON.parse(e.data)));
  source.addEventListener("preview", e => applyPreview(JSON.parse(e.data)));
}

function showServer(server) {
  let row = document.querySelector(`#servers tr[data-server="${CSS.escape(server.name)}"]`);
  if (!row) {
    row = el("tr", {},
      el("td", { className: "name", textContent: server.name }),
      el("td", { className: "state" }),
      el("td", { className: "load" }, el("meter", { min: 0 }), el("span")));
    row.dataset.server = server.name;
    $("servers").tBodies[0].append(row);
  }
  const state = row.querySelector(".state");
  state.textContent = server.state;
  state.dataset.state = server.state;
  const meter = row.querySelector("meter");
  meter.max = server.capacity;
  meter.value = server.inFlight;
  row.querySelector(".load span").textContent = `${server.inFlight}/${server.capacity} in flight`;
}

function applyJob(row) {
  let job = jobs.get(row.id);
  if (!job) {
    job = { id: row.id, status: "queued", fraction: 0 };
    jobs.set(row.id, job);
  }
  // The live stream may repeat what the snapshot already showed: a finished job never moves back.
  if (FINISHED.has(job.status) && !FINISHED.has(row.status)) return;
  const previous = job.status;
  for (const [key, value] of Object.entries(row)) {
    if (value !== null && value !== undefined && key !== "fraction") job[key] = value;
  }
  // A retried job starts a new attempt from zero; otherwise progress never goes back.
  job.fraction = row.status === "queued" ? 0 : Math.max(job.fraction ?? 0, row.fraction ?? 0);
  if (row.status === "queued") job.preview = undefined;
  if (previous !== job.status || !job.el) place(job); else update(job);
  counts();
}

function applyPreview(preview) {
  const job = jobs.get(preview.id);
  if (!job || FINISHED.has(job.status)) return;
  job.preview = preview.image;
  update(job);
}

function place(job) {
  job.el?.remove();
  if (job.status === "queued") {
    job.el = el("li", { className: "queued" }, el("span", { className: "prompt" }), " ", cancelButton(job));
    $("queue").append(job.el);
  } else if (job.status === "running") {
    job.el = el("div", { className: "job running" },
      el("div", { className: "prompt" }),
      el("div", { className: "meta" }),
      el("progress", { max: 1, value: 0 }),
      el("img", { className: "preview", alt: "latest preview", hidden: true }),
      cancelButton(job));
    $("running").append(job.el);
  } else {
    const picture = job.status === "completed"
      ? el("img", { className: "thumbnail", alt: job.prompt ?? "", src: `/render/${encodeURIComponent(job.id)}/image` })
      : el("div", { className: job.status, textContent: job.status === "failed" ? `failed: ${job.error ?? ""}` : "cancelled" });
    job.el = el("div", { className: "finished" }, picture, el("div", { className: "prompt" }));
    $("finished").prepend(job.el);
    prune();
  }
  job.el.dataset.jobId = job.id;
  job.el.dataset.status = job.status;
  update(job);
}

function update(job) {
  if (!job.el) return;
  const prompt = job.el.querySelector(".prompt");
  if (prompt) { prompt.textContent = job.prompt ?? job.id; prompt.title = job.prompt ?? ""; }
  if (job.status !== "running") return;
  job.el.querySelector("progress").value = job.fraction;
  const left = job.status === "running" && job.remainingSeconds != null ? ` · about ${Math.ceil(job.remainingSeconds)} s left` : "";
  job.el.querySelector(".meta").textContent = `${job.server ?? "…"} · ${Math.round(job.fraction * 100)}%${left}`;
  const image = job.el.querySelector("img.preview");
  if (job.preview && image.src !== job.preview) { image.src = job.preview; image.hidden = false; }
}

function cancelButton(job) {
  const button = el("button", { type: "button", className: "cancel", textContent: "cancel" });
  button.addEventListener("click", () => fetch(`/render/${encodeURIComponent(job.id)}`, { method: "DELETE" }));
  return button;
}

function prune() {
  const finished = [...$("finished").children];
  for (const node of finished.slice(MAX_FINISHED)) {
    jobs.delete(node.dataset.jobId);
    node.remove();
  }
}

function counts() {
  $("queue-count").textContent = $("queue").children.length;
  $("running-count").textContent = $("running").children.length;
  $("finished-count").textContent = $("finished").children.length;
}

$("render-form").addEventListener("submit", async event => {
  event.preventDefault();
  const prompt = $("prompt").value.trim();
  const count = Math.max(1, Math.min(20, Number($("count").value) || 1));
  $("form-error").textContent = "";
  for (let i = 0; i < count; i++) {
    const response = await fetch("/render", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ prompt }),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      $("form-error").textContent = problem.title ?? `HTTP ${response.status}`;
      return;
    }
  }
});

connect();
