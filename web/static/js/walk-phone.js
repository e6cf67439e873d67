/* The phone walk page: a full-screen map. Tap the map (or "Använd min position") to open the
   observation sheet; "Starta spår" records the route from the phone's positions, "Rita rutt"
   draws it by tapping. Requests go to the app only, with the CSRF token; user text is only
   ever written with textContent. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("walk-data").textContent);
  var form = document.getElementById("obs-form");
  var token = form.querySelector("input[name=csrf_token]").value;
  var statusBox = document.getElementById("walk-status");
  var errorsBox = document.getElementById("obs-errors");
  var MAX_SIDE = 2048, MAX_UPLOAD = 950 * 1024;
  var MIN_STEP_M = 5, MAX_ACCURACY_M = 50, SEND_EVERY_MS = 10000;

  function say(text) { statusBox.textContent = text; }
  function send(url, body, isJson) {
    var headers = {"X-CSRFToken": token, "Accept": "application/json"};
    if (isJson) { headers["Content-Type"] = "application/json"; }
    return fetch(url, {method: "POST", headers: headers, credentials: "same-origin",
                       body: isJson ? JSON.stringify(body) : body});
  }

  var map = L.map("walk-map", {zoomControl: true});
  L.tileLayer(data.tiles.url, {maxZoom: 19, attribution: ""}).addTo(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(data.tiles.attribution.replace(/[<>&"']/g, ""));
  var routeLine = L.polyline(data.route, {color: "#1f3a93", weight: 5, opacity: 0.8, interactive: false}).addTo(map);
  if (data.route.length > 1) {
    map.fitBounds(routeLine.getBounds(), {padding: [30, 30]});
  } else {
    map.fitBounds(data.bounds);
  }

  function numberIcon(n, safe) {
    var box = document.createElement("span");
    box.className = "obs-dot " + (safe ? "obs-safe" : "obs-problem");
    box.textContent = String(n);
    return L.divIcon({html: box, className: "obs-icon", iconSize: [30, 30], iconAnchor: [15, 15]});
  }
  var count = 0;
  function addObservation(lat, lon, safe) {
    count += 1;
    L.marker([lat, lon], {icon: numberIcon(count, safe), keyboard: false, interactive: false})
      .addTo(map);
  }
  data.observations.forEach(function (o) { addObservation(o.lat, o.lon, o.safe); });

  /* Pins from the digital walk that plans this route (staff only). */
  window.estWalkPins(map, data.pins, 6);

  send(data.urls.start, {}, true).catch(function () { /* offline: the first save retries */ });

  /* -- the observation sheet ---------------------------------------------------------------- */
  var draft = null;
  var safeBox = document.getElementById("obs-safe");
  var reasons = document.getElementById("obs-reasons");
  var category = document.getElementById("obs-category");
  function openSheet(latlng) {
    if (draft) { draft.setLatLng(latlng); } else {
      draft = L.circleMarker(latlng, {radius: 10, color: "#111", weight: 3, fillOpacity: 0.2}).addTo(map);
    }
    document.getElementById("obs-lat").value = latlng.lat.toFixed(6);
    document.getElementById("obs-lon").value = latlng.lng.toFixed(6);
    errorsBox.hidden = true;
    form.hidden = false;
    document.body.classList.add("sheet-open");
    document.getElementById("safety-3").focus({preventScroll: true});
  }
  function closeSheet() {
    form.hidden = true;
    document.body.classList.remove("sheet-open");
    if (draft) { map.removeLayer(draft); draft = null; }
  }
  function showErrors(errors) {
    errorsBox.textContent = "";
    var list = document.createElement("ul");
    Object.keys(errors).forEach(function (k) {
      var item = document.createElement("li");
      item.textContent = errors[k];
      list.appendChild(item);
    });
    errorsBox.appendChild(list);
    errorsBox.hidden = false;
    errorsBox.scrollIntoView({block: "nearest"});
  }
  safeBox.addEventListener("change", function () {
    reasons.hidden = safeBox.checked;
    category.disabled = safeBox.checked;
    if (safeBox.checked) {
      reasons.querySelectorAll("input").forEach(function (i) { i.checked = false; });
      category.value = "";
    }
  });
  document.getElementById("obs-cancel").addEventListener("click", closeSheet);

  function shrink(file) {
    /* Downscale on the phone (≤ 2048 px, JPEG) so the upload is small outdoors and fits the
       request limit; smaller and softer steps until it does. The server re-encodes again and
       strips every piece of metadata either way. */
    var steps = [[MAX_SIDE, 0.8], [1600, 0.7], [1280, 0.6], [1024, 0.5]];
    return new Promise(function (resolve) {
      if (!file || !window.createImageBitmap) { resolve(file); return; }
      createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
        function attempt(i) {
          var side = steps[i][0], quality = steps[i][1];
          var scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
          var canvas = document.createElement("canvas");
          canvas.width = Math.round(bitmap.width * scale);
          canvas.height = Math.round(bitmap.height * scale);
          canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
          canvas.toBlob(function (blob) {
            if (blob && blob.size > MAX_UPLOAD && i + 1 < steps.length) { attempt(i + 1); return; }
            resolve(blob || file);
          }, "image/jpeg", quality);
        }
        attempt(0);
      }).catch(function () { resolve(file); });  /* e.g. HEIC where the browser cannot decode */
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var save = document.getElementById("obs-save");
    save.disabled = true;
    var photoInput = document.getElementById("obs-photo");
    var file = photoInput.files && photoInput.files[0];
    shrink(file).then(function (photo) {
      var body = new FormData(form);
      body.delete("photo");
      if (photo) {
        if (photo.size > MAX_UPLOAD) {
          throw {errors: {photo: "Bilden är för stor att skicka. Välj en mindre bild."}};
        }
        body.append("photo", photo, "foto.jpg");
      }
      return send(form.action, body, false);
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (response.status === 413) {
          throw {errors: {photo: "Bilden är för stor att skicka. Välj en mindre bild."}};
        }
        if (!response.ok) { throw {errors: json.fields || {fel: json.message || "Observationen sparades inte."}}; }
        return json;
      });
    }).then(function (json) {
      var lat = parseFloat(document.getElementById("obs-lat").value);
      var lon = parseFloat(document.getElementById("obs-lon").value);
      addObservation(lat, lon, json.safe);
      form.reset();
      reasons.hidden = false;
      category.disabled = false;
      closeSheet();
      say("Observation " + count + " sparad.");
    }).catch(function (problem) {
      showErrors(problem && problem.errors ? problem.errors
        : {natverk: "Ingen kontakt med servern. Försök igen."});
    }).then(function () { save.disabled = false; });
  });

  /* -- taps: observe, or draw the route -------------------------------------------------------- */
  var drawing = false;
  var drawn = [];
  var drawLine = null;
  var drawButton = document.getElementById("walk-draw");
  var drawSave = document.getElementById("walk-draw-save");
  map.on("click", function (e) {
    if (drawing) {
      drawn.push(e.latlng);
      if (!drawLine) {
        drawLine = L.polyline(drawn, {color: "#1f3a93", weight: 5, dashArray: "8 6"}).addTo(map);
      } else { drawLine.setLatLngs(drawn); }
      say("Ruttpunkter: " + drawn.length + ". Tryck Spara rutt när du är klar.");
      drawSave.hidden = drawn.length < 2;
      map.invalidateSize();
      return;
    }
    openSheet(e.latlng);
  });
  drawButton.addEventListener("click", function () {
    drawing = !drawing;
    drawButton.setAttribute("aria-pressed", String(drawing));
    drawButton.textContent = drawing ? "Avbryt ritning" : "Rita rutt";
    if (!drawing) {
      drawn = [];
      if (drawLine) { map.removeLayer(drawLine); drawLine = null; }
      drawSave.hidden = true;
      map.invalidateSize();
      say("Tryck i kartan där du står för att göra en observation.");
    } else {
      closeSheet();
      say("Tryck längs rutten för att rita den.");
    }
  });
  drawSave.addEventListener("click", function () {
    var points = drawn.map(function (p) { return [p.lng, p.lat]; });
    send(data.urls.route, {points: points, append: false}, true).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      routeLine.setLatLngs(drawn);
      drawing = false;
      drawn = [];
      if (drawLine) { map.removeLayer(drawLine); drawLine = null; }
      drawButton.setAttribute("aria-pressed", "false");
      drawButton.textContent = "Rita rutt";
      drawSave.hidden = true;
      map.invalidateSize();
      say("Rutten sparad.");
    }).catch(function () { say("Rutten sparades inte. Försök igen."); });
  });

  /* -- the phone's position ---------------------------------------------------------------- */
  var here = document.getElementById("walk-here");
  var track = document.getElementById("walk-track");
  if (navigator.geolocation) {
    here.hidden = false;
    track.hidden = false;
    map.invalidateSize();
    here.addEventListener("click", function () {
      say("Hämtar din position …");
      navigator.geolocation.getCurrentPosition(function (pos) {
        var ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
        map.setView(ll, Math.max(map.getZoom(), 17));
        openSheet(ll);
        say("Position hämtad.");
      }, function () { say("Positionen kunde inte hämtas. Tryck i kartan i stället."); },
      {enableHighAccuracy: true, timeout: 15000, maximumAge: 10000});
    });
    var watch = null, pending = [], last = null, timer = null;
    function flush() {
      if (!pending.length) { return Promise.resolve(); }
      var points = pending;
      pending = [];
      return send(data.urls.route, {points: points, append: true}, true).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
      }).catch(function () { pending = points.concat(pending); });
    }
    track.addEventListener("click", function () {
      if (watch !== null) {
        navigator.geolocation.clearWatch(watch);
        watch = null;
        clearInterval(timer);
        flush();
        track.textContent = "Starta spår";
        track.setAttribute("aria-pressed", "false");
        say("Spårningen stoppad.");
        return;
      }
      watch = navigator.geolocation.watchPosition(function (pos) {
        if (pos.coords.accuracy > MAX_ACCURACY_M) { return; }
        var ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
        if (last && last.distanceTo(ll) < MIN_STEP_M) { return; }
        last = ll;
        routeLine.addLatLng(ll);
        pending.push([ll.lng, ll.lat]);
        map.panTo(ll);
      }, function () { say("Positionen kunde inte hämtas."); },
      {enableHighAccuracy: true, maximumAge: 5000});
      timer = setInterval(flush, SEND_EVERY_MS);
      track.textContent = "Stoppa spår";
      track.setAttribute("aria-pressed", "true");
      say("Spelar in rutten …");
    });
    /* "Avsluta" waits for the last recorded positions before the page is left. */
    var finishForm = document.querySelector(".walk-finish");
    var finishing = false;
    finishForm.addEventListener("submit", function (event) {
      if (finishing || (watch === null && !pending.length)) { return; }
      event.preventDefault();
      finishing = true;
      if (watch !== null) { navigator.geolocation.clearWatch(watch); watch = null; clearInterval(timer); }
      say("Sparar rutten …");
      flush().then(function () { finishForm.submit(); });
    });
  }
})();
