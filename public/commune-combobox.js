// Progressive enhancement of the commune field (src/http/views/_commune-field.njk): every form works without it.
// The ARIA 1.2 combobox pattern with a list popup: the input keeps the focus, arrows move the active option
// (aria-activedescendant), Enter takes it, Escape closes the list, and a live region says how many are proposed.
// The list is in the page's flow under the input (at 360 px or zoomed in, an overlay would hide the form).
const DEBOUNCE_MS = 150;

const plural = (count) => (count === 0 ? 'Aucune proposition' : count === 1 ? '1 proposition' : `${count} propositions`);

function enhance(input) {
  const id = input.id;
  const list = document.createElement('ul');
  list.id = `${id}-propositions`;
  list.className = 'ni-combobox__list';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Propositions');
  list.hidden = true;
  const status = document.createElement('p');
  status.className = 'fr-sr-only';
  status.setAttribute('role', 'status');
  const help = document.createElement('span');
  help.id = `${id}-aide`;
  help.className = 'fr-sr-only';
  help.textContent = 'Des propositions s’affichent dès deux caractères : flèches haut et bas pour les parcourir, Entrée pour choisir, Échap pour fermer.';
  input.parentElement.append(list, status, help);
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), help.id].filter(Boolean).join(' '));
  const choice = input.dataset.choice ? document.getElementById(input.dataset.choice) : null;
  let options = [];
  let active = -1;
  let timer = 0;
  let controller = null;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
    for (const item of list.children) item.setAttribute('aria-selected', 'false');
  };
  const open = () => {
    // An answer arriving after the person left the field opens nothing.
    if (!options.length || document.activeElement !== input) return;
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  };
  const setActive = (index) => {
    active = index;
    [...list.children].forEach((item, i) => item.setAttribute('aria-selected', String(i === index)));
    const item = list.children[index];
    if (item) {
      input.setAttribute('aria-activedescendant', item.id);
      item.scrollIntoView({ block: 'nearest' });
    }
  };
  const select = (index) => {
    const candidate = options[index];
    if (!candidate) return;
    input.value = candidate.label;
    close();
    status.textContent = `${candidate.label} choisi.`;
  };
  const render = () => {
    list.replaceChildren(
      ...options.map((candidate, index) => {
        const item = document.createElement('li');
        item.id = `${id}-proposition-${index}`;
        item.className = 'ni-combobox__option';
        item.setAttribute('role', 'option');
        item.setAttribute('aria-selected', 'false');
        item.textContent = candidate.label;
        const details = document.createElement('small');
        details.textContent = candidate.details;
        item.append(details);
        // Pressing an option must not blur the input first (which closes the list).
        item.addEventListener('mousedown', (event) => event.preventDefault());
        item.addEventListener('click', () => select(index));
        return item;
      }),
    );
    active = -1;
    input.removeAttribute('aria-activedescendant');
    status.textContent = `${plural(options.length)}.`;
    if (options.length) open();
    else close();
  };
  const search = async () => {
    const query = input.value.trim();
    if (query.length < 2) {
      options = [];
      close();
      return;
    }
    controller?.abort();
    controller = new AbortController();
    const url = `/api/v1/communes?q=${encodeURIComponent(query)}&kinds=${encodeURIComponent(input.dataset.communeCombobox)}&limit=8`;
    try {
      const response = await fetch(url, { signal: controller.signal, headers: { accept: 'application/json' } });
      if (!response.ok || input.value.trim() !== query) return;
      options = (await response.json()).candidates;
      render();
    } catch {
      // Aborted by a newer keystroke, or offline: the form still works, the server resolves the text.
    }
  };

  input.addEventListener('input', () => {
    // A choice offered for another text no longer applies.
    if (choice) choice.hidden = true;
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (list.hidden) {
        if (options.length) {
          open();
          setActive(0);
        } else search();
      } else setActive((active + 1) % options.length);
    } else if (event.key === 'ArrowUp') {
      if (list.hidden) return;
      event.preventDefault();
      setActive(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === 'Enter') {
      if (list.hidden || active < 0) return;
      event.preventDefault();
      select(active);
    } else if (event.key === 'Escape') {
      if (list.hidden) return;
      event.preventDefault();
      close();
    }
  });
  // The list sits in the page's flow (it never covers what is below): closed a moment after the focus leaves, so that
  // a click on what the list pushed down lands where it was aimed.
  input.addEventListener('blur', () => setTimeout(() => {
    if (document.activeElement !== input) close();
  }, 150));
}

for (const input of document.querySelectorAll('input[data-commune-combobox]')) {
  if (input.getAttribute('role') !== 'combobox') enhance(input);
}
