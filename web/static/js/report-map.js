/* Report forms: a click or tap on the map (or a drag of the marker, "use my position", typed
   coordinates or a named place) sets the WGS84 lat/lon inputs; the kind radios show the
   matching category section. Without JavaScript the typed coordinates and place list work. */
(function () {
  "use strict";

  function round6(v) { return (Math.round(v * 1e6) / 1e6).toFixed(6); }
  function parse(v) { return parseFloat(String(v || "").replace(",", ".").replace("\u2212", "-")); }

  window.estReportMap = function (map, opts) {
    var prefix = opts.prefix || "";
    var lat = document.getElementById(prefix + "lat");
    var lon = document.getElementById(prefix + "lon");
    var place = document.getElementById(prefix + "place");
    var status = document.getElementById(prefix + "location-status");
    var button = document.getElementById(prefix + "use-position");
    var marker = null;

    function say(text) { if (status) { status.textContent = text; } }
    function show(latlng, pan) {
      if (!marker) {
        marker = L.marker(latlng, {draggable: true, title: opts.markerTitle, keyboard: false}).addTo(map);
        marker.on("dragend", function () { write(marker.getLatLng(), true); });
      } else {
        marker.setLatLng(latlng);
      }
      if (pan) { map.setView(latlng, Math.max(map.getZoom(), 15)); }
    }
    function write(latlng, clearPlace) {
      lat.value = round6(latlng.lat);
      lon.value = round6(latlng.lng);
      if (clearPlace && place) { place.value = ""; }
      say(opts.chosen.replace("%(lat)s", lat.value).replace("%(lon)s", lon.value));
    }
    function fromInputs() {
      var a = parse(lat.value), o = parse(lon.value);
      if (isFinite(a) && isFinite(o) && Math.abs(a) <= 90 && Math.abs(o) <= 180) {
        show(L.latLng(a, o), true);
      }
    }

    map.on("click", function (e) { show(e.latlng, false); write(e.latlng, true); });
    lat.addEventListener("change", function () { if (place) { place.value = ""; } fromInputs(); });
    lon.addEventListener("change", function () { if (place) { place.value = ""; } fromInputs(); });
    if (place) {
      place.addEventListener("change", function () {
        var opt = place.options[place.selectedIndex];
        if (opt && opt.dataset.lat) {
          var ll = L.latLng(parseFloat(opt.dataset.lat), parseFloat(opt.dataset.lon));
          show(ll, true);
          write(ll, false);
        }
      });
    }
    if (button && navigator.geolocation) {
      button.hidden = false;
      button.addEventListener("click", function () {
        say(opts.locating);
        navigator.geolocation.getCurrentPosition(function (pos) {
          var ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
          show(ll, true);
          write(ll, true);
        }, function () { say(opts.noPosition); }, {enableHighAccuracy: true, timeout: 15000});
      });
    }
    if (opts.point) { show(L.latLng(opts.point[0], opts.point[1]), true); }
  };

  /* Moderation queue: one circle per pending report, with a link to it in the popup. */
  window.estPendingLayer = function (map, points) {
    points.forEach(function (p) {
      var box = document.createElement("span");
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.ref;
      box.appendChild(link);
      box.appendChild(document.createTextNode(" " + p.label));
      L.circleMarker([p.lat, p.lon], {radius: 7, color: "#8a1c1c", weight: 2, fillOpacity: 0.6})
        .bindPopup(box).addTo(map);
    });
  };

  /* Show only the category section that matches the chosen kind (both show without JS). */
  function toggleKind() {
    var checked = document.querySelector("input[name=kind]:checked");
    var sections = document.querySelectorAll("[data-kind]");
    for (var i = 0; i < sections.length; i++) {
      sections[i].hidden = !!checked && sections[i].getAttribute("data-kind") !== checked.value;
    }
  }
  /* Show the date and time fields only for "at a certain time". */
  function toggleWhen() {
    var box = document.querySelector(".when-at");
    var at = document.getElementById("when-at");
    if (box && at) { box.hidden = !at.checked; }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var kinds = document.querySelectorAll("input[name=kind]");
    for (var i = 0; i < kinds.length; i++) { kinds[i].addEventListener("change", toggleKind); }
    var whens = document.querySelectorAll("input[name=when]");
    for (var j = 0; j < whens.length; j++) { whens[j].addEventListener("change", toggleWhen); }
    toggleKind();
    toggleWhen();
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
