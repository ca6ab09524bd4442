// Navigation helper shared by the pages (the router in app.js listens to hashchange).

export function navigate(path) {
  if (window.location.hash === `#${path}`) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = path;
}

/** The query part of the hash route: "#/transfer?from=123" → URLSearchParams("from=123"). */
export function hashQuery() {
  const hash = window.location.hash;
  const at = hash.indexOf("?");
  return new URLSearchParams(at >= 0 ? hash.slice(at + 1) : "");
}
