// Live pages without a reload. Server-rendered fragments are escaped by Django templates;
// JSON values are written with textContent, never as HTML.
(function () {
  "use strict";
  const TERMINAL = ["succeeded", "failed", "cancelled"];

  function pollFragments() {
    document.querySelectorAll("[data-poll]").forEach(function (el) {
      fetch(el.dataset.poll, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          el.innerHTML = html;
          if (el.querySelector("[data-done]")) delete el.dataset.poll;  // finished: nothing more to fetch
        })
        .catch(function () {});
    });
  }

  function fmtSeconds(s) {
    if (s === null || s === undefined) return "–";
    s = Math.round(s);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + "h " : "") + (h || m ? m + "m " : "") + sec + "s";
  }

  const configEl = document.getElementById("job-config");
  if (configEl) {
    document.getElementById("config-view").textContent = JSON.stringify(JSON.parse(configEl.textContent), null, 2);
  }

  const live = document.getElementById("job-live");
  // The panel order comes from the server (webapp/jobs/selectors.py), shared with the compare view.
  const order = live && live.dataset.metricOrder ? JSON.parse(live.dataset.metricOrder) : { first: [], last: [] };
  function rank(name) {
    if (order.first.includes(name)) return order.first.indexOf(name);
    return order.last.includes(name) ? 1000 + order.last.indexOf(name) : 500;
  }
  let lastStep = -1;
  const series = {};

  function drawMetrics(points) {
    if (!points.length || typeof Plotly === "undefined") return;
    // Each poll re-reads the last step seen (a trainer logs its final figures at the last
    // training step, after that step's loss), so points are kept by (name, step), once.
    points.forEach(function (p) {
      const s = (series[p.name] = series[p.name] || { x: [], y: [], name: p.name, mode: "lines+markers", type: "scatter" });
      const at = s.x.indexOf(p.step);
      if (at >= 0) s.y[at] = p.value; else { s.x.push(p.step); s.y.push(p.value); }
      lastStep = Math.max(lastStep, p.step);
    });
    const chart = document.getElementById("metrics-chart");
    const placeholder = chart.querySelector("p.muted");
    if (placeholder) placeholder.remove();
    // One panel per metric: their scales differ (a loss and a rate do not share an axis).
    // What a method is judged by comes first, bookkeeping (learning rate, memory) last. A metric
    // reported once while others have a curve (total_flos, train_runtime) is a number, not a plot.
    const all = Object.values(series).sort(function (a, b) {
      return rank(a.name) - rank(b.name) || a.name.localeCompare(b.name);
    });
    const curves = all.some(function (t) { return t.x.length > 1; });
    const single = all.filter(function (t) { return curves && t.x.length === 1; });
    const numbers = document.getElementById("metric-numbers");
    if (numbers) numbers.textContent = single.map(function (t) {
      return t.name + " = " + Number(t.y[0]).toPrecision(4);
    }).join(" · ");
    const traces = all.filter(function (t) { return !single.includes(t); }).map(function (t, i) {
      return Object.assign({}, t, { xaxis: i ? "x" + (i + 1) : "x", yaxis: i ? "y" + (i + 1) : "y" });
    });
    const columns = Math.min(traces.length, chart.clientWidth > 900 ? 3 : 2);
    const rows = Math.ceil(traces.length / columns);
    const layout = {
      grid: { rows: rows, columns: columns, pattern: "independent" }, height: 60 + 220 * rows,
      margin: { t: 20, r: 10, b: 40, l: 60 }, showlegend: false, annotations: [],
    };
    traces.forEach(function (t, i) {
      const suffix = i ? String(i + 1) : "";
      layout["yaxis" + suffix] = { title: { text: t.name } };
      layout["xaxis" + suffix] = { title: { text: i >= traces.length - columns ? "step" : "" } };
    });
    Plotly.react(chart, traces, layout, { displaylogo: false, responsive: true });
  }

  function setField(name, value) {
    const el = live.querySelector('[data-field="' + name + '"]');
    if (el) el.textContent = value;
    return el;
  }

  function pollJob() {
    fetch(live.dataset.stateUrl + "?after_step=" + Math.max(-1, lastStep - 1), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return;
        const status = setField("status", s.status);
        status.className = "pill " + s.status;
        setField("progress", s.progress_done + (s.progress_total ? "/" + s.progress_total : ""));
        setField("eta", fmtSeconds(s.eta_seconds));
        setField("duration", fmtSeconds(s.duration_seconds));
        setField("attempts", s.attempts + "/" + s.max_attempts);
        setField("message", s.progress_message);
        const err = setField("error", s.error); err.hidden = !s.error;
        const log = setField("log", s.log);
        const fill = live.querySelector(".progress .fill");
        if (fill) fill.style.width = (s.percent !== null ? s.percent : (s.status === "succeeded" ? 100 : 0)) + "%";
        const label = live.querySelector(".progress span");
        if (label) label.textContent = s.progress_done + (s.progress_total ? "/" + s.progress_total : "");
        drawMetrics(s.metrics || []);
        if (!finished && TERMINAL.includes(s.status)) {
          finished = true;
          clearInterval(jobTimer);
          refreshFinal();
          pollJob();  // once more: what the job wrote as it ended
        }
      })
      .catch(function () {});
  }

  // Buttons and result panels depend on the final state: once the job ends, they are fetched
  // from the server (rendered there, escaped by Django) and swapped in place. The page is never
  // reloaded, so nothing the user (or a test) is doing on it is interrupted by a navigation.
  function refreshFinal() {
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        const fresh = new DOMParser().parseFromString(html, "text/html");
        ["job-actions", "job-top-panels", "job-panels"].forEach(function (id) {
          const now = document.getElementById(id), then = fresh.getElementById(id);
          if (now && then) now.innerHTML = then.innerHTML;
        });
        document.querySelectorAll("[data-poll]").forEach(function (el) { delete el.dataset.poll; });
        live.dataset.finished = "1";
      })
      .catch(function () {});
  }

  let finished = live ? TERMINAL.includes(live.dataset.initialStatus) : true, jobTimer = null;
  if (document.querySelector("[data-poll]")) setInterval(pollFragments, 2000);
  if (live) { pollJob(); if (!finished) jobTimer = setInterval(pollJob, 1500); }
})();
