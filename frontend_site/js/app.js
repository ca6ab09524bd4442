// The single-page shell: a hash router, the navigation for customers and staff, session handling.

import { hasSession, logout, onPasswordChangeRequired, onSessionEnd } from "./api.js";
import { navigate } from "./nav.js";
import { h, replace } from "./dom.js";
import { state, loadMe, isStaff, isAdmin, mustChangePassword } from "./state.js";
import { describe, errorBox, flash, loading, takeFlash } from "./ui.js";
import { routes as customerRoutes } from "./pages/customer.js";
import { routes as staffRoutes } from "./pages/staff/index.js";
import { loginPage, passwordChangePage, registerPage } from "./pages/auth.js";
import { docsPage } from "./pages/docs.js";

const PUBLIC = [
  { path: "/login", render: loginPage },
  { path: "/register", render: registerPage },
];

// Pages for everyone, signed in or not (no redirect either way).
const OPEN = [{ path: "/docs", render: docsPage, title: "API docs" }];

// The only page for a user who must replace a generated password (the API answers nothing else).
const PASSWORD_CHANGE = "/change-password";
const FORCED = [{ path: PASSWORD_CHANGE, render: passwordChangePage, title: "Choose a new password" }];

const CUSTOMER_NAV = [
  ["/dashboard", "Dashboard"],
  ["/transfer", "Transfer"],
  ["/cards", "Cards"],
  ["/checkout", "Checkout"],
  ["/loans", "Loans"],
  ["/statements", "Statements"],
  ["/analytics", "Analytics"],
  ["/tickets", "Support"],
  ["/profile", "Profile"],
];

const STAFF_NAV = [
  ["/staff", "Dashboard"],
  ["/staff/loans", "Loans"],
  ["/staff/tickets", "Tickets"],
  ["/staff/search", "Search"],
  ["/staff/transactions", "Transactions"],
  ["/staff/approvals", "Approvals"],
  ["/staff/ledger", "Ledger"],
  ["/staff/dlq", "DLQ"],
];

function compile(list, role) {
  return list.map((route) => {
    const names = [];
    const pattern = route.path.replace(/:([a-z_]+)/g, (_, name) => {
      names.push(name);
      return "([^/]+)";
    });
    return { ...route, role, regex: new RegExp(`^${pattern}$`), names };
  });
}

const table = [
  ...compile(PUBLIC, "public"),
  ...compile(OPEN, "open"),
  ...compile(FORCED, "forced"),
  ...compile(customerRoutes, "customer"),
  ...compile(staffRoutes, "staff"),
];

function currentPath() {
  const hash = decodeURIComponent(window.location.hash.replace(/^#/, "")) || "/";
  return hash.split("?")[0] || "/";
}


function home() {
  if (!hasSession() || !state.me) return "/login";
  if (mustChangePassword()) return PASSWORD_CHANGE;
  return isStaff() ? "/staff" : "/dashboard";
}

function match(path) {
  for (const route of table) {
    const found = route.regex.exec(path);
    if (found) {
      const params = {};
      route.names.forEach((name, i) => (params[name] = found[i + 1]));
      return { route, params };
    }
  }
  return null;
}

function renderNav(path) {
  const nav = document.getElementById("nav");
  const toggle = document.getElementById("nav-toggle");
  if (!state.me || !hasSession()) {
    toggle.hidden = true;
    replace(nav, h("a", { href: "#/login", "aria-current": path === "/login" ? "page" : null }, "Sign in"), h("a", { href: "#/register", "aria-current": path === "/register" ? "page" : null }, "Open an account"));
    nav.classList.remove("collapsed");
    return;
  }
  if (mustChangePassword()) {
    const who = h("span", { class: "who" }, state.me.username);
    replace(nav, who, h("button", { type: "button", onclick: signOut }, "Log out"));
    toggle.hidden = false;
    return;
  }
  const items = isStaff() ? [...STAFF_NAV, ...(isAdmin() ? [["/admin/staff", "Staff"]] : []), ["/staff/profile", "Profile"]] : CUSTOMER_NAV;
  const links = items.map(([href, label]) => {
    const current = path === href || (href !== "/staff" && path.startsWith(`${href}/`));
    return h("a", { href: `#${href}`, "aria-current": current ? "page" : null }, label);
  });
  const who = h("span", { class: "who" }, `${state.me.first_name || state.me.username}${isStaff() ? ` · ${state.me.role}` : ""}`);
  const out = h("button", { type: "button", onclick: signOut }, "Log out");
  replace(nav, links, who, out);
  toggle.hidden = false;
}

async function signOut() {
  try {
    await logout();
  } catch {
    // The tokens are forgotten here either way; a failed revoke call must not keep the user in.
  }
  state.me = null;
  flash("You have logged out.", "info");
  navigate("/login");
}

let renderCount = 0;

async function render() {
  const ticket = ++renderCount;
  const main = document.getElementById("main");
  const path = currentPath();
  if (hasSession() && !state.me) {
    replace(main, loading());
    try {
      await loadMe();
    } catch (error) {
      if (ticket !== renderCount) return;
      if (!hasSession()) return; // the session ended while loading: the listener navigates
      replace(main, errorBox(error));
      return;
    }
  }
  if (ticket !== renderCount) return;
  const found = match(path);
  if (!found || path === "/") {
    navigate(home());
    return;
  }
  const { route, params } = found;
  const signedIn = hasSession() && state.me;
  if (route.role === "public" && signedIn) return navigate(home());
  if (route.role !== "public" && route.role !== "open" && !signedIn) {
    flash("Please sign in to continue.", "info");
    // Back to this page after signing in (e.g. a payment link a merchant gave the buyer).
    return navigate(route.role === "forced" ? "/login" : `/login?next=${encodeURIComponent(path)}`);
  }
  // Until a generated password is replaced, the API answers nothing else: show only that page.
  if (signedIn && mustChangePassword() && route.role !== "forced" && route.role !== "open") return navigate(PASSWORD_CHANGE);
  if (route.role === "forced" && !mustChangePassword()) return navigate(home());
  if (route.role === "staff" && !isStaff()) return navigate(home());
  if (route.role === "customer" && isStaff()) return navigate(home());
  if (route.admin && !isAdmin()) return navigate(home());

  renderNav(path);
  collapseNav();
  takeFlash();
  const view = h("div", { class: "view" });
  replace(main, view);
  document.title = `${route.title || "Arhan Financial"} · Arhan Financial`;
  try {
    await route.render(view, params);
  } catch (error) {
    console.error(error);
    replace(view, errorBox(error));
  }
  if (ticket === renderCount) main.focus({ preventScroll: true });
}

function collapseNav() {
  const nav = document.getElementById("nav");
  const toggle = document.getElementById("nav-toggle");
  if (window.matchMedia("(max-width: 760px)").matches) {
    nav.classList.add("collapsed");
    toggle.setAttribute("aria-expanded", "false");
  }
}

function setupNavToggle() {
  const nav = document.getElementById("nav");
  const toggle = document.getElementById("nav-toggle");
  toggle.addEventListener("click", () => {
    const open = nav.classList.toggle("collapsed") === false;
    toggle.setAttribute("aria-expanded", String(open));
  });
}

onPasswordChangeRequired(() => {
  if (!state.me) return;
  state.me.password_change_required = true;
  navigate(PASSWORD_CHANGE);
});

onSessionEnd((reason) => {
  state.me = null;
  flash(reason || "Your session has ended. Please sign in again.", "info");
  navigate("/login");
});

// The bank's pages (card confirmation above all) never work inside another site's frame: an S3 website
// cannot send `frame-ancestors` or X-Frame-Options, so a framed page shows a warning and nothing else.
if (window.top !== window.self) {
  replace(document.getElementById("main"), h("p", { class: "alert error" }, "This page of Arhan Financial was opened inside another site. Open it in its own window."));
} else {
  window.addEventListener("hashchange", render);
  setupNavToggle();
  render().catch((error) => {
    console.error(error);
    replace(document.getElementById("main"), h("p", { class: "alert error" }, describe(error)));
  });
}

export { signOut };
