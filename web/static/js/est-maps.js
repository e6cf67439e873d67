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

    /* Numbered hot spot badges in their class colour. A hot spot smaller than RING_PX on
       screen (a few 25 m cells at municipality zoom) also gets a ring in its class colour,
       so its outline can be found; up close the polygon itself shows the extent. */
    badges: function (group, o) {
      var RING_PX = 10, rings = [];
      function update(map) {
        rings.forEach(function (r) {
          var a = map.latLngToLayerPoint(r.bounds[0]), b = map.latLngToLayerPoint(r.bounds[1]);
          var small = Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y)) < RING_PX;
          if (small && !group.hasLayer(r.ring)) { group.addLayer(r.ring); }
          if (!small && group.hasLayer(r.ring)) { group.removeLayer(r.ring); }
        });
      }
      group.on("add", function () {
        var map = group._map;
        if (!map) { return; }
        update(map);
        map.on("zoomend", function () { update(map); });
      });
      o.badges.forEach(function (b) {
        if (b.bounds) {
          rings.push({bounds: b.bounds, ring: L.circleMarker([b.lat, b.lon], {
            radius: 17, color: b.colour, weight: 3, fill: false, interactive: false,
            className: "hs-ring"})});
        }
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

    /* Names as map labels (districts): plain text at a point, not interactive. */
    labels: function (group, o) {
      o.labels.forEach(function (l) {
        var span = document.createElement("span");
        span.className = "map-label";
        span.textContent = text(l.text);
        L.marker([l.lat, l.lon], {
          keyboard: false, interactive: false,
          icon: L.divIcon({html: span, className: "map-label-icon", iconSize: null})
        }).addTo(group);
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
