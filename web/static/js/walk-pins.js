/* Digital-walk pins on a Leaflet map: safe (green) and unsafe (orange) places, the popup built
   with textContent only (the pins carry residents' free text). Used by the digital walk pages
   and the phone walk page. */
(function () {
  "use strict";
  window.estWalkPins = function (map, pins, radius) {
    pins.forEach(function (p) {
      var box = document.createElement("span");
      var head = document.createElement("strong");
      head.textContent = p.kind === "safe" ? "Trygg plats" : "Otrygg plats";
      box.appendChild(head);
      if (p.reasons.length) { box.appendChild(document.createTextNode(": " + p.reasons.join(", "))); }
      if (p.note) {
        var note = document.createElement("span");
        note.className = "pin-note";
        note.textContent = p.note;
        box.appendChild(document.createElement("br"));
        box.appendChild(note);
      }
      L.circleMarker([p.lat, p.lon], {radius: radius, weight: 2, fillOpacity: 0.5,
                                       className: "walk-pin",
                                       color: p.kind === "safe" ? "#1e8449" : "#d35400"})
        .bindPopup(box).addTo(map);
    });
  };
}());
