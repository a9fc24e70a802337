// Loopbaan: after django-otp-webauthn registered a passkey, go on to the page that names it
// (with the page's own "next", not the language switch's).
// Served from static (the Content-Security-Policy allows no inline script).
document.addEventListener("otp_webauthn.register_complete", (event) => {
  const box = document.getElementById("passkey-register");
  if (!box || !event.detail || !event.detail.id) {
    return;
  }
  const url = new URL(box.dataset.nameUrl.replace("/0/", `/${event.detail.id}/`), window.location.origin);
  const next = document.querySelector("main input[name='next']");
  if (next && next.value) {
    url.searchParams.set("next", next.value);
  }
  window.location.assign(url.toString());
});
