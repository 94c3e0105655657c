// The verification page without page reloads where the browser can help; every path also works without it.
//
// Camera: getUserMedia shows the rear camera. Where the browser has BarcodeDetector (Chrome on Android and
// macOS, Safari 17+) the QR code is read in the page; everywhere else "Read this frame" sends the current frame
// as a photo, which the server decodes (zxing-cpp), exactly like the photo upload below it.
// Loaded with `defer` from 'self' only (the CSP allows no inline script).
(function () {
  'use strict';

  const form = document.getElementById('verify-form');
  const photo = document.getElementById('photo');
  if (form && photo) {
    photo.addEventListener('change', () => { if (photo.files.length) form.submit(); });
    setUpCamera(form, photo);
  }
  const print = document.getElementById('print');
  if (print) {
    print.hidden = false;
    print.addEventListener('click', () => window.print());
  }

  function setUpCamera(form, photo) {
    const start = document.getElementById('camera-start');
    const box = document.getElementById('camera');
    const video = document.getElementById('camera-video');
    const status = document.getElementById('camera-status');
    const unavailable = document.getElementById('camera-unavailable');
    if (!start || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return; // no camera API (or not a secure context): the photo upload remains
    }
    start.hidden = false;
    let stream = null;
    let timer = null;
    const detector = 'BarcodeDetector' in window ? new window.BarcodeDetector({formats: ['qr_code']}) : null;

    start.addEventListener('click', async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia(
          {video: {facingMode: 'environment', width: {ideal: 1280}}, audio: false});
      } catch (e) {
        start.hidden = true;
        unavailable.hidden = false;
        return;
      }
      video.srcObject = stream;
      await video.play();
      box.hidden = false;
      start.hidden = true;
      if (detector) {
        timer = window.setInterval(detect, 300);
      } else {
        status.textContent = status.dataset.manual; // no in-page decoder: the server reads the frame
      }
    });

    document.getElementById('camera-stop').addEventListener('click', stop);
    document.getElementById('camera-capture').addEventListener('click', () => {
      const canvas = document.createElement('canvas');
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext('2d').drawImage(video, 0, 0);
      canvas.toBlob(blob => {
        const files = new DataTransfer();
        files.items.add(new File([blob], 'frame.jpg', {type: 'image/jpeg'}));
        photo.files = files.files;
        stop();
        form.submit();
      }, 'image/jpeg', 0.92);
    });

    async function detect() {
      if (video.readyState < 2) {
        return;
      }
      let codes = [];
      try {
        codes = await detector.detect(video);
      } catch (e) {
        return;
      }
      if (codes.length && codes[0].rawValue) {
        stop();
        open(codes[0].rawValue.trim());
      }
    }

    function open(text) {
      let url = null;
      try {
        url = new URL(text);
      } catch (e) { /* not a link: a credential in the code itself */ }
      if (url && url.origin === window.location.origin && url.pathname.startsWith('/v/')) {
        window.location.assign(url.href); // our own badge: the QR landing page is the fastest path
        return;
      }
      const field = document.getElementById(url && /^https?:$/.test(url.protocol) ? 'url' : 'credential');
      field.value = text;
      status.textContent = text;
      form.submit();
    }

    function stop() {
      if (timer) {
        window.clearInterval(timer);
        timer = null;
      }
      if (stream) {
        stream.getTracks().forEach(track => track.stop());
        stream = null;
      }
      box.hidden = true;
      start.hidden = false;
    }
  }
})();
