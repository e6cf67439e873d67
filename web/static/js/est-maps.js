/* Map layers drawn from JSON data (web/maps/layers.py). Every label is text: elements are
   built with textContent and handed to Leaflet, never an HTML string, so a name or title
   such as "<img src=x onerror=…>" shows as those characters and runs nothing. */
(function () {
  "use strict";

  function text(value) { return value === null || value === undefined ? "" : String(value); }

  /* A tooltip box: one line per [label, value]; a null label shows the value alone. */
  function box(rows) {
    var div = document.createElement("div");
    rows.forEach(function (row) {
      var line = document.createElement("div");
      if (row[0]) {
        var name = document.createElement("strong");
        name.textContent = text(row[0]) + ": ";
        line.appendChild(name);
      }
      line.appendChild(document.createTextNode(text(row[1])));
      div.appendChild(line);
    });
    return div;
  }

  function fieldsOf(properties, fields) {
    return fields.map(function (f) { return [f[1], properties[f[0]]]; });
  }

  window.estMaps = {
    /* GeoJSON outlines and cells: a style per feature (properties.style) or for all,
       a tooltip from the given [property, label] fields. */
    geojson: function (group, o) {
      L.geoJSON(o.data, {
        style: function (feature) { return feature.properties.style || o.style || {}; },
        onEachFeature: function (feature, layer) {
          if (o.fields && o.fields.length) {
            layer.bindTooltip(function () {
              return box(fieldsOf(feature.properties, o.fields));
            }, {sticky: true});
          }
        }
      }).addTo(group);
    },

    /* Numbered hot spot badges in their class colour. */
    badges: function (group, o) {
      o.badges.forEach(function (b) {
        var badge = document.createElement("span");
        badge.className = "hs-rank";
        badge.textContent = text(b.rank);
        badge.style.borderColor = b.colour;
        L.marker([b.lat, b.lon], {
          keyboard: false,
          icon: L.divIcon({html: badge, className: "hs-rank-icon", iconSize: [24, 24],
                           iconAnchor: [12, 12]})
        }).bindTooltip(function () { return box([[null, b.label]]); }).addTo(group);
      });
    },

    /* Actions: a yellow diamond with a black border (no marker plugin needed). */
    actions: function (group, o) {
      o.actions.forEach(function (a) {
        var diamond = document.createElement("span");
        var s = diamond.style;
        s.display = "block"; s.width = "12px"; s.height = "12px"; s.margin = "3px";
        s.background = "#f1c40f"; s.border = "2px solid #000"; s.transform = "rotate(45deg)";
        s.boxSizing = "border-box";
        L.marker([a.lat, a.lon], {
          keyboard: false,
          icon: L.divIcon({html: diamond, className: "action-marker", iconSize: [18, 18],
                           iconAnchor: [9, 9]})
        }).bindTooltip(function () { return box([[null, a.label]]); }).addTo(group);
      });
    },

    /* Reports as canvas circles from [lat, lon, category index, otrygghet 0/1]. */
    points: function (group, o) {
      var renderer = L.canvas({padding: 0.5});
      o.points.forEach(function (p) {
        var colour = o.colours[p[2]], otrygg = p[3] === 1;
        var label = text(o.labels[p[2]]) + (otrygg ? " (otrygghet)" : "");
        L.circleMarker([p[0], p[1]], {
          renderer: renderer, radius: otrygg ? 6 : 5, weight: otrygg ? 3 : 1,
          color: otrygg ? colour : "#222", fillColor: otrygg ? "#ffffff" : colour,
          fillOpacity: otrygg ? 0.9 : 0.85
        }).bindTooltip(function () { return box([[null, label]]); }).addTo(group);
      });
    }
  };
})();
