// Strangler dashboard: plain JavaScript, no dependencies, no build step. Polls the admin API once a second
// with the bearer token kept in this tab's sessionStorage (never in a URL).
"use strict";

const TOKEN_KEY = "strangler.adminToken";
const STAGES = ["legacy", "shadow", "canary", "service"];
const state = { selected: null, routes: [], stats: null, live: null, busy: false, timer: null, auditVersion: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const svgNs = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}) {
  const node = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

// ---- admin API ---------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, problem) {
    super(problemText(status, problem));
    this.status = status;
  }
}

function problemText(status, problem) {
  if (!problem) return `The admin API answered ${status}.`;
  const parts = [problem.detail || problem.title || `The admin API answered ${status}.`];
  if (problem.errors) {
    for (const messages of Object.values(problem.errors)) {
      for (const m of messages) if (!parts.includes(m)) parts.push(m);
    }
  }
  return parts.join(" ");
}

async function api(method, path, body, token = sessionStorage.getItem(TOKEN_KEY)) {
  const headers = { Authorization: `Bearer ${token || ""}`, "X-Strangler-Actor": "dashboard" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, { detail: `The proxy's admin API cannot be reached (${e.message}).` });
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

// ---- sign in / out -----------------------------------------------------------------------------------------

function showLogin(message) {
  stopPolling();
  state.auditVersion = null;
  $("board").hidden = true;
  $("signout").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("token").focus();
}

async function signIn(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  try {
    await api("GET", "/admin/routes", undefined, token);
  } catch (e) {
    showLogin(e.status === 401 ? `Not signed in: ${e.message}` : e.message);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $("token").value = "";
  start();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin("Signed out.");
}

function start() {
  $("login").hidden = true;
  $("board").hidden = false;
  $("signout").hidden = false;
  refresh();
  state.timer = setInterval(refresh, 1000);
}

function stopPolling() {
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
}

// ---- polling -----------------------------------------------------------------------------------------------

async function refresh() {
  if (state.busy) return;
  state.busy = true;
  try {
    const [table, stats, live] = await Promise.all([api("GET", "/admin/routes"), api("GET", "/admin/stats"), api("GET", "/admin/dashboard/live")]);
    // Every change to the table (the canary guard's rollbacks included) is audited with a new version: the audit is
    // read again only when the version moved, not every second.
    if (state.auditVersion !== table.version) {
      renderAudit(await api("GET", "/admin/audit?limit=50"));
      state.auditVersion = table.version;
    }
    state.routes = table.routes;
    state.stats = stats;
    state.live = live;
    $("board-error").textContent = "";
    const store = stats.routeStore.ok ? "route store ok" : `route store problem since ${time(stats.routeStore.at)}: ${stats.routeStore.error}`;
    $("status").textContent = `table version ${table.version} · ${store} · updated ${new Date().toLocaleTimeString()}`;
    renderRoutes();
    renderCharts();
    renderShadow();
    renderSync();
    renderPlaybook();
  } catch (e) {
    if (e.status === 401) showLogin(`Signed out: ${e.message}`);
    else $("board-error").textContent = e.message;
  } finally {
    state.busy = false;
  }
}

const time = (t) => (t ? new Date(t).toLocaleTimeString() : "–");
const pct = (x) => `${(x * 100).toFixed(1)}%`;

// ---- routes and controls -----------------------------------------------------------------------------------

function stageBadge(route) {
  const label = route.stage === "canary" ? `CANARY ${route.weight}%` : route.stage.toUpperCase();
  return el("span", { class: `stage stage-${route.stage}`, "data-testid": `stage-${route.id}` }, label);
}

function renderRoutes() {
  const health = state.stats.health || {};
  const rows = state.routes.map((route) => {
    const stats = state.stats.routes.find((r) => r.id === route.id) || {};
    const stageSelect = el("select", { "aria-label": `stage of ${route.id}`, "data-testid": `stage-select-${route.id}` },
      STAGES.map((s) => el("option", { value: s, selected: s === route.stage }, s)));
    const weight = el("input", {
      type: "number", min: 0, max: 100, step: 1, value: route.weight, "aria-label": `canary weight of ${route.id}`, "data-testid": `weight-${route.id}`,
    });
    const apply = el("button", {
      type: "button", "data-testid": `apply-${route.id}`,
      onclick: () => changeStage(route, stageSelect.value, weight.value),
    }, "Apply");
    const nextOwner = route.owner === "service" ? "legacy" : "service";
    const owner = el("button", {
      type: "button", "data-testid": `owner-${route.id}`,
      onclick: () => confirmAction(`Hand over writes of ${route.id}`,
        `Move write ownership of route ${route.id} from ${route.owner} to ${nextOwner}. Writes are held briefly while the handoff fences the data.`,
        (reason) => api("POST", `/admin/routes/${encodeURIComponent(route.id)}/owner`, { owner: nextOwner, reason })),
    }, `Hand writes to ${nextOwner}`);
    const rollback = el("button", {
      type: "button", class: "danger", "data-testid": `rollback-${route.id}`,
      onclick: () => confirmAction(`Roll back ${route.id}`, `Send every read of route ${route.id} back to the monolith (stage legacy).`,
        (reason) => api("POST", `/admin/routes/${encodeURIComponent(route.id)}/rollback`, { reason })),
    }, "Roll back");
    const destinations = route.destinations.map((d) => {
      const healthy = health[d] !== false;
      return el("div", { class: healthy ? "health-ok" : "health-bad" }, `${d} ${healthy ? "healthy" : "ejected"}`);
    });
    const hold = stats.writeHold && stats.writeHold.holding ? " (writes held now)" : "";
    return el("tr", { "data-testid": `route-${route.id}` },
      el("td", { "data-label": "route" }, el("strong", {}, route.id), el("div", { class: "sub" }, route.path)),
      el("td", { "data-label": "stage" }, stageBadge(route)),
      el("td", { "data-label": "weight" }, route.stage === "canary" ? `${route.weight}%` : "–"),
      el("td", { "data-label": "write owner", "data-testid": `owner-text-${route.id}` }, route.owner + hold),
      el("td", { "data-label": "destinations" }, destinations),
      el("td", { "data-label": "change" }, el("div", { class: "controls" }, stageSelect, weight, apply, owner, rollback)));
  });
  const table = el("table", {},
    el("thead", {}, el("tr", {}, ["route", "stage", "weight", "write owner", "destinations (health)", "change"].map((h) => el("th", {}, h)))),
    el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: 6, class: "na" }, "No routes: everything goes to the monolith."))));
  // Keep the user's half-typed values: only rebuild when the table itself changed.
  const key = JSON.stringify(state.routes) + JSON.stringify(health) + JSON.stringify(state.stats.routes.map((r) => r.writeHold));
  if ($("routes").dataset.key !== key || !$("routes").firstChild) {
    $("routes").replaceChildren(table);
    $("routes").dataset.key = key;
  }
}

function changeStage(route, stage, weightText) {
  const body = { stage };
  if (stage === "canary") body.weight = weightText === "" ? NaN : Number(weightText);
  const what = stage === "canary" ? `canary at ${weightText}%` : stage;
  confirmAction(`Change ${route.id}`, `Move the reads of route ${route.id} from ${route.stage}${route.stage === "canary" ? ` ${route.weight}%` : ""} to ${what}.`,
    (reason) => api("POST", `/admin/routes/${encodeURIComponent(route.id)}/stage`, { ...body, reason }));
}

function confirmAction(title, text, action) {
  const dialog = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-reason").value = "";
  $("confirm-error").textContent = "";
  $("confirm-ok").disabled = false;
  dialog.onsubmit = async (event) => {
    event.preventDefault();
    const reason = $("confirm-reason").value.trim();
    if (!reason) {
      $("confirm-error").textContent = "Give a reason: it goes into the audit log.";
      return;
    }
    $("confirm-ok").disabled = true;
    try {
      await action(reason);
      dialog.close();
      $("routes").dataset.key = "";
      refresh();
    } catch (e) {
      $("confirm-error").textContent = e.message; // the API's problem+json detail
      $("confirm-ok").disabled = false;
    }
  };
  $("confirm-cancel").onclick = () => dialog.close();
  dialog.showModal();
  $("confirm-reason").focus();
}

// ---- charts ------------------------------------------------------------------------------------------------

function seriesFor(routeId) {
  const points = (state.live && state.live.points) || [];
  const pick = (point, backend) => point.series.find((s) => s.route === routeId && s.backend === backend);
  return points.map((p) => ({ at: p.at, legacy: pick(p, "legacy"), service: pick(p, "service") }));
}

function chart(title, lines, options = {}) {
  const width = 600, height = 140, left = 44, bottom = 16, top = 8;
  const all = lines.flatMap((l) => l.values.filter((v) => v !== null && Number.isFinite(v)));
  const max = options.max ?? Math.max(options.minMax ?? 1, ...all) * 1.1;
  const root = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img", "aria-label": title });
  for (const f of [0, 0.5, 1]) {
    const y = top + (height - top - bottom) * (1 - f);
    root.append(svg("line", { class: "grid", x1: left, x2: width, y1: y, y2: y }));
    const label = svg("text", { x: 2, y: y + 3 });
    label.textContent = `${(max * f).toFixed(max * f >= 10 ? 0 : 1)}${options.unit || ""}`;
    root.append(label);
  }
  for (const line of lines) {
    const n = line.values.length;
    if (n < 2) continue;
    const pts = line.values.map((v, i) => (v === null || !Number.isFinite(v) ? null
      : `${(left + (width - left) * (i / (n - 1))).toFixed(1)},${(top + (height - top - bottom) * (1 - Math.min(v, max) / max)).toFixed(1)}`))
      .filter((p) => p !== null).join(" ");
    root.append(svg("polyline", { class: `s-${line.key}`, points: pts }));
  }
  return root;
}

function figure(testId, caption, legend, svgNode, data = {}) {
  const attrs = { "data-testid": testId };
  for (const [k, v] of Object.entries(data)) attrs[`data-${k}`] = v;
  return el("figure", attrs, el("figcaption", {}, caption), svgNode,
    el("div", { class: "legend" }, legend.map(([key, text]) => el("span", { class: `k-${key}` }, text))));
}

function renderCharts() {
  const routeIds = state.routes.map((r) => r.id);
  if (!routeIds.includes(state.selected)) state.selected = routeIds[0] || null;
  $("route-tabs").replaceChildren(...routeIds.map((id) => el("button", {
    type: "button", role: "tab", "aria-selected": id === state.selected ? "true" : "false", "data-testid": `tab-${id}`,
    onclick: () => { state.selected = id; renderCharts(); },
  }, id)));
  const route = state.routes.find((r) => r.id === state.selected);
  if (!route) {
    $("charts").replaceChildren(el("p", { class: "na" }, "No routes yet."));
    return;
  }
  const series = seriesFor(route.id);
  $("window-seconds").textContent = String(series.length);
  const v = (s, f) => (s ? f(s) : null);
  const rps = (b) => series.map((p) => v(p[b], (s) => s.requestsPerSecond) ?? 0);
  const share = series.map((p) => {
    const l = v(p.legacy, (s) => s.requestsPerSecond) ?? 0, s = v(p.service, (x) => x.requestsPerSecond) ?? 0;
    return l + s > 0 ? (100 * s) / (l + s) : null;
  });
  // The share actually served over the last 5 seconds (requests, not an average of ratios).
  const recent = series.slice(-5);
  const sum = (b) => recent.reduce((a, p) => a + (v(p[b], (s) => s.requestsPerSecond) ?? 0), 0);
  const total = sum("legacy") + sum("service");
  const servedShare = total > 0 ? (100 * sum("service")) / total : null;
  const weightLine = series.map(() => (route.stage === "canary" ? route.weight : route.stage === "service" ? 100 : 0));
  const errors = (b) => series.map((p) => v(p[b], (s) => 100 * s.errorRate));
  const latency = (b, q) => series.map((p) => v(p[b], (s) => s[q]));
  const last = (arr) => { for (let i = arr.length - 1; i >= 0; i--) if (arr[i] !== null) return arr[i]; return null; };
  const fmt = (x, d = 1) => (x === null ? "–" : x.toFixed(d));
  $("charts").replaceChildren(
    figure("rps-chart", el("span", {}, "Requests/s by backend: ", el("strong", {}, `legacy ${fmt(last(rps("legacy")))}, service ${fmt(last(rps("service")))}`)),
      [["legacy", "legacy"], ["service", "service"]],
      chart("requests per second", [{ key: "legacy", values: rps("legacy") }, { key: "service", values: rps("service") }])),
    figure("share-chart", el("span", {}, "Share served by the service (last 5 s): ",
      el("strong", { "data-testid": "served-share" }, servedShare === null ? "no traffic" : `${servedShare.toFixed(1)}%`),
      ` · stage ${route.stage}${route.stage === "canary" ? ` ${route.weight}%` : ""}`),
      [["service", "served by the service"], ["weight", "configured"]],
      chart("service share", [{ key: "service", values: share }, { key: "weight", values: weightLine }], { max: 100, unit: "%" }),
      { share: servedShare === null ? "" : servedShare.toFixed(1) }),
    figure("error-chart", el("span", {}, "Error rate (5xx and unreachable): ", el("strong", {}, `legacy ${fmt(last(errors("legacy")))}%, service ${fmt(last(errors("service")))}%`)),
      [["legacy", "legacy"], ["service", "service"]],
      chart("error rate", [{ key: "legacy", values: errors("legacy") }, { key: "service", values: errors("service") }], { minMax: 1, unit: "%" })),
    figure("latency-chart", el("span", {}, "Latency of the service (legacy when none): ",
      el("strong", {}, `p50 ${fmt(last(latency(route.stage === "legacy" || route.stage === "shadow" ? "legacy" : "service", "p50")), 2)} ms, p99 ${fmt(last(latency(route.stage === "legacy" || route.stage === "shadow" ? "legacy" : "service", "p99")), 2)} ms`)),
      [["p50", "p50"], ["p99", "p99"]],
      chart("latency", [
        { key: "p50", values: latency(route.stage === "legacy" || route.stage === "shadow" ? "legacy" : "service", "p50") },
        { key: "p99", values: latency(route.stage === "legacy" || route.stage === "shadow" ? "legacy" : "service", "p99") },
      ], { unit: " ms" })));
}

// ---- shadow, sync, playbook, audit --------------------------------------------------------------------------

function renderShadow() {
  const items = state.stats.routes.filter((r) => r.shadow);
  if (!items.length) {
    $("shadow").replaceChildren(el("p", { class: "na" }, "No shadow comparisons yet (a route at the shadow stage copies reads to its service)."));
    return;
  }
  $("shadow").replaceChildren(...items.map((r) => {
    const s = r.shadow, compared = s.matches + s.mismatches;
    const parity = compared ? pct(s.matches / compared) : "–";
    return el("div", { "data-testid": `shadow-${r.id}` },
      el("h3", {}, `${r.id}: parity ${parity}`),
      el("p", {}, `${s.matches} match, ${s.mismatches} differ, ${s.serviceErrors} service errors, ${s.skipped} skipped, ${s.dropped} dropped`),
      s.samples.length ? el("div", {}, s.samples.slice(-5).reverse().map((d) => el("div", { class: "diff" },
        `${time(d.at)} ${d.method} ${d.pathAndQuery} (legacy ${d.legacyStatus}, service ${d.serviceStatus})\n${d.differences.join("\n")}`))) : null);
  }));
}

function renderSync() {
  const sync = (state.live && state.live.sync) || [];
  if (!sync.length) {
    $("sync").replaceChildren(el("p", { class: "na" }, "No service destinations in the route table."));
    return;
  }
  $("sync").replaceChildren(el("table", {},
    el("thead", {}, el("tr", {}, ["service", "state", "lag", "owner", "reverse sync", "last error"].map((h) => el("th", {}, h)))),
    el("tbody", {}, sync.map((s) => {
      const st = s.status;
      if (!st) {
        return el("tr", { "data-testid": `sync-${s.destination}` }, el("td", { "data-label": "service" }, s.destination),
          el("td", { "data-label": "state", colspan: 5, class: "na" }, `not available: ${s.problem}`));
      }
      const reverse = st.reverse ? `${st.reverse.state}, ${st.reverse.pending} pending` : "–";
      return el("tr", { "data-testid": `sync-${s.destination}` },
        el("td", { "data-label": "service" }, s.destination, el("div", { class: "sub" }, s.routes.join(", "))),
        el("td", { "data-label": "state" }, st.state),
        el("td", { "data-label": "lag" }, st.lagMilliseconds === null || st.lagMilliseconds === undefined ? "–" : `${Math.round(st.lagMilliseconds)} ms`),
        el("td", { "data-label": "owner" }, st.owner || "–"),
        el("td", { "data-label": "reverse sync" }, reverse),
        el("td", { "data-label": "last error", class: st.lastError ? "error" : "" }, st.lastError || "none"));
    }))));
}

function renderPlaybook() {
  const live = state.live || {};
  const run = live.playbook;
  $("playbook").replaceChildren(!live.playbooksConfigured
    ? el("p", { class: "na" }, "Not available: this proxy was not given the playbook folder (Proxy:Dashboard:PlaybookFolder).")
    : run
      ? el("div", {},
        el("p", {}, el("strong", {}, run.playbook), ` · run ${run.runId} · `, el("strong", { "data-testid": "playbook-status" }, run.status), ` · updated ${time(run.updatedAt)}`),
        el("ol", { class: "steps" }, (run.steps || []).map((s) => el("li", {}, `[${s.status}] ${s.id}${s.detail ? ` — ${s.detail}` : ""}`))))
      : el("p", { class: "na" }, "No playbook run yet."));
  const reconciles = live.reconciles || [];
  $("reconcile").replaceChildren(!live.reconcilesConfigured
    ? el("p", { class: "na" }, "Not available: this proxy was not given the reconcile log (Proxy:Dashboard:ReconcileLog).")
    : reconciles.length
      ? el("ul", { class: "steps" }, reconciles.map((r) => el("li", { "data-testid": `reconcile-${r.service}` },
        el("strong", {}, `${r.service}: ${r.outcome}`), ` · ${time(r.at)}${r.repair ? " · repaired" : ""}`, r.detail ? el("div", { class: "sub" }, r.detail) : null)))
      : el("p", { class: "na" }, "No reconcile recorded yet."));
}

function renderAudit(entries) {
  $("audit").replaceChildren(...(entries.length ? entries.map((e) => {
    const from = e.previous ? `${e.previous.stage}${e.previous.stage === "canary" ? ` ${e.previous.weight}%` : ""}/${e.previous.owner}` : "none";
    const to = e.current ? `${e.current.stage}${e.current.stage === "canary" ? ` ${e.current.weight}%` : ""}/${e.current.owner}` : "removed";
    return el("li", {}, el("strong", {}, `${time(e.at)} ${e.routeId} ${e.action}`), ` v${e.version}: ${from} → ${to} by ${e.actor}`,
      e.reason ? el("div", { class: "sub" }, `“${e.reason}”`) : null);
  }) : [el("li", { class: "na" }, "No changes yet.")]));
}

// ---- start -------------------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", signOut);
  if (sessionStorage.getItem(TOKEN_KEY)) start();
  else showLogin("");
});
