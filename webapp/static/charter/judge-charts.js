// The judge report's charts: reliability (judge probability vs agreement) and kappa per principle.
(function () {
  const data = JSON.parse(document.getElementById("judge-charts").textContent);
  const config = {displaylogo: false, responsive: true};
  const layout = (extra) => Object.assign({margin: {t: 10, r: 10, b: 50, l: 50}, height: 280, showlegend: false}, extra);
  const rel = data.reliability.filter(b => b.n > 0);
  const el = document.getElementById("chart-reliability");
  if (!rel.length) { el.textContent = "No decided pairs."; el.classList.add("muted"); }
  else Plotly.newPlot(el, [
    {type: "scatter", mode: "lines", x: [0.5, 1], y: [0.5, 1], line: {dash: "dot", color: "#999"}, hoverinfo: "skip"},
    {type: "scatter", mode: "markers+lines", x: rel.map(b => b.mean_p), y: rel.map(b => b.agree),
     text: rel.map(b => b.n + " pairs"), marker: {size: rel.map(b => 6 + Math.sqrt(b.n) * 2), color: "#4a6cf7"}}],
    layout({xaxis: {range: [0.5, 1], title: {text: "judge probability of its choice"}},
            yaxis: {range: [0, 1], title: {text: "share agreeing"}}}), config);
  const k = data.principles.filter(r => r.value !== null);
  const kel = document.getElementById("chart-principle-kappa");
  if (!k.length) { kel.textContent = "κ is undefined for every principle (too few pairs or one label)."; kel.classList.add("muted"); }
  else Plotly.newPlot(kel, [{type: "bar", x: k.map(r => r.principle), y: k.map(r => r.value), marker: {color: "#16a085"},
    error_y: {type: "data", symmetric: false, array: k.map(r => r.high === null ? 0 : r.high - r.value),
              arrayminus: k.map(r => r.low === null ? 0 : r.value - r.low)}}],
    layout({yaxis: {range: [-1, 1], title: {text: "Cohen's κ"}}}), config);
})();
