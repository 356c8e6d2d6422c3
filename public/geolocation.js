// Progressive enhancement of the places search: « Autour de moi » appears only where the browser can give a
// position. The position (rounded to about a hundred metres) fills two hidden fields and the form is sent as
// if a place had been typed. Without JavaScript, without permission or without a position, the button stays
// hidden or says why, and the commune or postal code field works as before.
(function () {
  var box = document.querySelector('[data-geolocation]');
  if (!box || !('geolocation' in navigator)) return;
  var button = box.querySelector('[data-geolocation-button]');
  var message = box.querySelector('[data-geolocation-message]');
  var form = box.closest('form');
  if (!button || !message || !form) return;
  box.hidden = false;

  function field(name) {
    var input = form.querySelector('input[type="hidden"][name="' + name + '"]');
    if (!input) {
      input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      form.append(input);
    }
    return input;
  }

  function fail(text) {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    message.textContent = text;
  }

  button.addEventListener('click', function () {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    message.textContent = 'Recherche de votre position…';
    navigator.geolocation.getCurrentPosition(
      function (position) {
        field('lat').value = position.coords.latitude.toFixed(3);
        field('lng').value = position.coords.longitude.toFixed(3);
        // The typed place would win over the position: the search is around the person.
        var near = form.querySelector('[name="near"]');
        if (near) near.value = '';
        message.textContent = 'Position trouvée : recherche des lieux autour de vous…';
        form.submit();
      },
      function (error) {
        fail(error && error.code === 1
          ? 'Votre navigateur ne donne pas votre position : indiquez votre commune ou votre code postal.'
          : 'Votre position n’a pas pu être trouvée : indiquez votre commune ou votre code postal.');
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 },
    );
  });
})();
