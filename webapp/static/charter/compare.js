(function () {
  const source = document.getElementById("compare-panels");
  if (!source) return;
  const panels = JSON.parse(source.textContent), traces = [], layout = {margin: {t: 30}, showlegend: true};
  layout.grid = {rows: panels.length, columns: 1, pattern: "independent"};
  layout.height = 60 + 200 * panels.length;
  panels.forEach(function (panel, i) {
    const suffix = i === 0 ? "" : String(i + 1);
    panel.traces.forEach(function (t, j) {
      traces.push({x: t.x, y: t.y, name: t.name, legendgroup: t.name, showlegend: i === 0, mode: "lines+markers",
                   xaxis: "x" + suffix, yaxis: "y" + suffix, line: {color: ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"][j % 8]}});
    });
    layout["yaxis" + suffix] = {title: {text: panel.metric}};
  });
  if (panels.length) Plotly.react("compare-chart", traces, layout, {displaylogo: false, responsive: true});
  else document.getElementById("compare-chart").textContent = "These runs share no metric yet.";
})();
