/* Digital trygghetsvandring maps. Public page: a tap sets the lat/lon inputs and a marker; the
   safe/unsafe choice shows its own reasons. Staff page: the residents' pins, text via
   textContent only. */
(function () {
  "use strict";
  var node = document.getElementById("digital-map");
  if (!node) { return; }
  var data = JSON.parse(document.getElementById("digital-data").textContent);
  var map = L.map(node);
  L.tileLayer(data.tiles.url, {maxZoom: 19, attribution: ""}).addTo(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(data.tiles.attribution.replace(/[<>&"']/g, ""));
  map.fitBounds(data.bounds);

  window.estWalkPins(map, data.pins, 7);

  var lat = document.getElementById("lat"), lon = document.getElementById("lon");
  if (!lat || !lon) { return; }
  var marker = null;
  function place(ll) {
    if (marker) { marker.setLatLng(ll); } else { marker = L.marker(ll, {keyboard: false}).addTo(map); }
  }
  map.on("click", function (e) {
    place(e.latlng);
    lat.value = e.latlng.lat.toFixed(6);
    lon.value = e.latlng.lng.toFixed(6);
  });
  var a = parseFloat(lat.value), o = parseFloat(lon.value);
  if (isFinite(a) && isFinite(o)) { place(L.latLng(a, o)); }
  var unsafe = document.getElementById("pin-unsafe"), safe = document.getElementById("pin-safe");
  function show() {
    document.getElementById("unsafe-part").hidden = safe.checked;
    document.getElementById("safe-part").hidden = !safe.checked;
  }
  unsafe.addEventListener("change", show);
  safe.addEventListener("change", show);
  show();
})();
