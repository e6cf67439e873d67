/* The walk report's map: the route and the numbered observations (labels via textContent). */
(function () {
  "use strict";
  var node = document.getElementById("walk-report-map");
  if (!node) { return; }
  var data = JSON.parse(document.getElementById("walk-data").textContent);
  var map = L.map(node);
  L.tileLayer(data.tiles.url, {maxZoom: 19, attribution: ""}).addTo(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(data.tiles.attribution.replace(/[<>&"']/g, ""));
  var bounds = L.latLngBounds([]);
  if (data.route.length > 1) {
    var line = L.polyline(data.route, {color: "#1f3a93", weight: 5, opacity: 0.8, interactive: false}).addTo(map);
    bounds.extend(line.getBounds());
  }
  data.observations.forEach(function (o) {
    var dot = document.createElement("span");
    dot.className = "obs-dot " + (o.safe ? "obs-safe" : "obs-problem");
    dot.textContent = String(o.number);
    var label = document.createElement("span");
    label.textContent = o.number + ": " + o.label;
    L.marker([o.lat, o.lon], {icon: L.divIcon({html: dot, className: "obs-icon",
                                                iconSize: [30, 30], iconAnchor: [15, 15]}),
                              keyboard: false}).bindPopup(label).addTo(map);
    bounds.extend([o.lat, o.lon]);
  });
  if (bounds.isValid()) { map.fitBounds(bounds.pad(0.2), {maxZoom: 17}); } else { map.fitBounds(data.bounds); }
  window.estWalkMap = map;
})();
