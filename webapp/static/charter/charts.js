// The pairs charts: data from the server (json_script), drawn with the locally served plotly.
// Each bar carries the query that narrows the pairs list to what it counts; a click opens it.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const base = new URLSearchParams(JSON.parse(document.getElementById("chart-query").textContent));
  const layout = (extra) => Object.assign({margin: {t: 10, r: 10, b: 60, l: 50}, height: 280, showlegend: false}, extra);
  const config = {displaylogo: false, responsive: true};

  function linkTo(query) {
    const params = new URLSearchParams(base);
    for (const [k, v] of Object.entries(query)) params.set(k, v);
    return "/pairs/?" + params.toString();
  }

  function draw(id, traces, queries, extra) {
    const el = document.getElementById(id);
    if (!traces.length || !traces[0].x.length) { el.textContent = "No data."; el.classList.add("muted"); return; }
    Plotly.newPlot(el, traces, layout(extra), config);
    el.dataset.links = JSON.stringify(queries.map(linkTo));
    el.on("plotly_click", (event) => { window.location = linkTo(queries[event.points[0].pointIndex]); });
  }

  const m = data.margin.bars;
  draw("chart-margin", [{type: "bar", x: m.map(b => b.x), y: m.map(b => b.n), name: "pairs", marker: {color: "#4a6cf7"}},
                        {type: "bar", x: m.map(b => b.x), y: m.map(b => b.ties), name: "ties", marker: {color: "#d9822b"}}],
       m.map(b => b.query), {barmode: "overlay", xaxis: {title: {text: "margin"}}});
  const l = data.length.bars;
  draw("chart-length", [{type: "bar", x: l.map(b => b.x), y: l.map(b => b.n), marker: {color: "#6b8e23"}}],
       l.map(b => b.query), {xaxis: {title: {text: "characters (bin start)"}}});
  const p = data.principles;
  draw("chart-principles", [{type: "bar", x: p.map(r => r.principle), y: p.map(r => r.n), name: "pairs", marker: {color: "#4a6cf7"}},
                            {type: "scatter", mode: "markers", x: p.map(r => r.principle), y: p.map(r => r.tie_rate), yaxis: "y2", name: "tie rate", marker: {color: "#d9822b", size: 10}}],
       p.map(r => r.query), {yaxis2: {overlaying: "y", side: "right", range: [0, 1], title: {text: "tie rate"}}});
  const pos = data.position;
  draw("chart-position", [{type: "bar", x: pos.map(r => r.judge_model + " · " + r.principle_key), y: pos.map(r => r.first_wins), marker: {color: "#8e44ad"}}],
       pos.map(r => r.query), {yaxis: {range: [0, 1], title: {text: "share preferring (A)"}},
                               shapes: [{type: "line", xref: "paper", x0: 0, x1: 1, y0: 0.5, y1: 0.5, line: {dash: "dot"}}]});
  const a = data.agreement.filter(r => r.value !== null);
  draw("chart-agreement", [{type: "bar", x: a.map(r => r.principle), y: a.map(r => r.value), marker: {color: "#16a085"},
                            error_y: {type: "data", symmetric: false, array: a.map(r => r.high === null ? 0 : r.high - r.value), arrayminus: a.map(r => r.low === null ? 0 : r.value - r.low)}}],
       a.map(r => r.query), {yaxis: {range: [-1, 1], title: {text: "Cohen's κ"}}});
  const runs = data.runs;
  draw("chart-runs", [{type: "bar", x: runs.map(r => "job " + r.job_id), y: runs.map(r => r.tie_rate), name: "tie rate", marker: {color: "#d9822b"}},
                      {type: "bar", x: runs.map(r => "job " + r.job_id), y: runs.map(r => r.margin), name: "mean margin", marker: {color: "#4a6cf7"}}],
       runs.map(r => r.query), {barmode: "group", showlegend: true});
})();
