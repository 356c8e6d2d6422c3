// Progressive enhancement of the place form's opening hours: the form works without this file (the server builds
// the OSM value from the grid). With it, only the chosen way of entering the hours is shown, and the grid is read
// back live by the same rule as the server (POST /api/v1/opening-hours/preview): the OSM value and the week in French.
const grid = document.querySelector('[data-hours-grid]');
const expert = document.querySelector('[data-hours-expert]');
const preview = document.getElementById('apercu-horaires');
const modes = document.querySelectorAll('input[name="horaires_mode"]');
const DAYS = ['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'];

if (grid && expert && preview && modes.length) {
  const value = (name) => document.getElementsByName(name)[0]?.value ?? '';
  const checked = (name) => Boolean(document.getElementsByName(name)[0]?.checked);
  const mode = () => [...modes].find((m) => m.checked)?.value ?? 'grille';

  const show = () => {
    grid.hidden = mode() !== 'grille';
    expert.hidden = mode() !== 'expert';
  };

  const line = (text, strong) => {
    const p = document.createElement('p');
    p.className = 'fr-callout__text fr-text--sm';
    if (strong) {
      const b = document.createElement('strong');
      b.textContent = strong;
      p.append(b, ' ');
    }
    p.append(text);
    return p;
  };

  let pending = 0;
  const refresh = async () => {
    const request = ++pending;
    const body = {
      days: DAYS.map((day) => ({
        closed: checked(`grille_${day}_ferme`),
        ranges: [1, 2].map((i) => ({ from: value(`grille_${day}_${i}_debut`), to: value(`grille_${day}_${i}_fin`) })),
      })),
      publicHolidaysClosed: checked('grille_feries_fermes'),
    };
    try {
      const response = await fetch('/api/v1/opening-hours/preview', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok || request !== pending) return;
      const answer = await response.json();
      const lines = [];
      if (answer.errors.length) for (const error of answer.errors) lines.push(line(error.reason, 'À corriger :'));
      else if (!answer.value) lines.push(line('Aucun jour ouvert : aucun horaire ne sera publié.', 'Aperçu :'));
      else {
        lines.push(line(answer.value, 'Valeur enregistrée :'));
        for (const day of answer.week ?? []) lines.push(line(day.text, `${day.day} :`));
      }
      preview.replaceChildren(...lines);
      preview.hidden = false;
    } catch {
      preview.hidden = true;
    }
  };

  for (const m of modes) m.addEventListener('change', show);
  grid.addEventListener('change', refresh);
  show();
  refresh();
}
