// Progressive enhancement of the diagnostic: every step works without this file.
// A second tap while the answer is on its way would post it twice: the buttons wait for the next page.
for (const form of document.querySelectorAll('form[data-step]')) {
  form.addEventListener('submit', () => {
    form.setAttribute('aria-busy', 'true');
    setTimeout(() => form.querySelectorAll('button').forEach((button) => { button.disabled = true; }), 0);
  });
}
// The summary sheet: a print button, shown only where it can work.
for (const button of document.querySelectorAll('[data-print]')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}
