// The credential page's Share button: the phone's share sheet where there is one, else the link copied.
(function () {
  const button = document.getElementById("share");
  const status = document.getElementById("share-status");
  if (!button) return;
  button.addEventListener("click", async function () {
    const url = button.dataset.url;
    if (navigator.share) {
      try { await navigator.share({ title: button.dataset.title, url: url }); } catch (e) { /* dismissed */ }
      return;
    }
    try {
      await navigator.clipboard.writeText(url);
    } catch (e) {
      window.prompt("", url);  // no clipboard access (e.g. http): let the reader copy it by hand
      return;
    }
    status.textContent = button.dataset.copied;
  });
})();
