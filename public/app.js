// Progressive enhancement only: every page works without this file.
const scanner = document.querySelector('[data-scanner]');
if (scanner && 'BarcodeDetector' in window && navigator.mediaDevices?.getUserMedia) {
  const input = document.getElementById(scanner.dataset.scanner);
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'fr-btn fr-btn--secondary fr-icon-qr-code-line fr-btn--icon-left fr-mt-2w';
  button.textContent = 'Scanner le QR code avec la caméra';
  scanner.append(button);
  button.addEventListener('click', async () => {
    const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    const video = document.createElement('video');
    video.setAttribute('playsinline', '');
    video.setAttribute('aria-label', 'Image de la caméra');
    scanner.append(video);
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    video.srcObject = stream;
    await video.play();
    const stop = () => { stream.getTracks().forEach((track) => track.stop()); video.remove(); };
    const tick = async () => {
      const found = await detector.detect(video).catch(() => []);
      // The QR code holds the voucher code, alone or inside a link.
      const match = found.map((code) => code.rawValue.toUpperCase().match(/[2-9A-HJKMNP-TV-Y]{5}-?[2-9A-HJKMNP-TV-Y]{5}-?[2-9A-HJKMNP-TV-Y]{5}/)).find(Boolean);
      if (match) { stop(); input.value = match[0]; input.form.requestSubmit(); return; }
      requestAnimationFrame(tick);
    };
    tick();
  });
}
