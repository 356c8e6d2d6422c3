// Progressive enhancement: the list of places is the page; the map only appears when Leaflet has loaded.
(function () {
  var container = document.getElementById('carte');
  if (!container || typeof L === 'undefined') return;
  var items = document.querySelectorAll('[data-place]');
  L.Icon.Default.imagePath = '/leaflet/images/';
  container.hidden = false;
  var map = L.map(container, { zoomControl: true });
  map.zoomControl.getContainer().querySelectorAll('a').forEach(function (a) {
    a.setAttribute('title', a.classList.contains('leaflet-control-zoom-in') ? 'Zoomer' : 'Dézoomer');
    a.setAttribute('aria-label', a.getAttribute('title'));
  });
  map.attributionControl.setPrefix(false);
  L.tileLayer(container.dataset.tiles, { attribution: container.dataset.attribution, maxZoom: 19 }).addTo(map);
  var bounds = [[Number(container.dataset.lat), Number(container.dataset.lon)]];
  items.forEach(function (item) {
    var position = [Number(item.dataset.lat), Number(item.dataset.lon)];
    bounds.push(position);
    var link = document.createElement('a');
    link.href = item.dataset.href;
    link.textContent = item.dataset.name;
    L.marker(position, { alt: item.dataset.name, title: item.dataset.name }).bindPopup(link).addTo(map);
  });
  map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
})();
