// Progressive enhancement: the page lists every place without this script.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || typeof L === "undefined") { return; }
  element.classList.add("map-live");
  var map = L.map(element, { scrollWheelZoom: false }).setView([52, 25], 4);
  L.tileLayer(element.dataset.tiles, {
    maxZoom: 12,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
  }).addTo(map);
  fetch(element.dataset.geojson)
    .then(function (response) { return response.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        onEachFeature: function (feature, marker) {
          var p = feature.properties;
          var link = document.createElement("a");
          link.href = p.url;
          link.textContent = p.title;
          var box = document.createElement("div");
          box.appendChild(link);
          box.appendChild(document.createElement("br"));
          box.appendChild(document.createTextNode(p.place + " · " + p.date_text));
          marker.bindPopup(box);
        }
      }).addTo(map);
      if (layer.getLayers().length) { map.fitBounds(layer.getBounds().pad(0.2)); }
    });
}());
