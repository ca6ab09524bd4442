// Sign in and registration (public pages).

import { forgetSession, login, post, register } from "../api.js";
import { h } from "../dom.js";
import { money } from "../format.js";
import { hashQuery, navigate } from "../nav.js";
import { bankRulesIfAvailable } from "../rules.js";
import { loadMe, isStaff, state } from "../state.js";
import { field, flash, form, FormError, input } from "../ui.js";

/** The page to return to after signing in (`#/login?next=/pay/…`): a route of this site only. */
function nextRoute() {
  const next = hashQuery().get("next") || "";
  if (!/^\/[A-Za-z0-9_\-/]*$/.test(next) || next.startsWith("//")) return null;
  if (next === "/login" || next === "/register") return null;
  return next;
}

export async function loginPage(view) {
  const username = input("username", { autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const signIn = form(
    [field("Username", username), field("Password", password)],
    async (values) => {
      if (!values.username) throw new FormError("username", "Enter your username.");
      if (!values.password) throw new FormError("password", "Enter your password.");
      const signedIn = await login(values.username, values.password);
      const me = await loadMe();
      if (signedIn.passwordChangeRequired || me.password_change_required) {
        me.password_change_required = true;
        flash("Choose a new password before you continue.", "info");
        navigate("/change-password");
        return;
      }
      flash(`Welcome back, ${me.first_name || me.username}.`);
      navigate(nextRoute() || (isStaff() ? "/staff" : "/dashboard"));
    },
    { submitLabel: "Sign in", busyLabel: "Signing in…" },
  );
  view.append(
    h(
      "section",
      { class: "panel auth", "aria-labelledby": "login-title" },
      h("h1", { id: "login-title" }, "Sign in"),
      signIn,
      h("p", { class: "small" }, "New to Arhan Financial? ", h("a", { href: "#/register" }, "Open an account")),
    ),
  );
  username.focus();
}

export async function registerPage(view) {
  const controls = {
    first_name: input("first_name", { autocomplete: "given-name", required: true }),
    last_name: input("last_name", { autocomplete: "family-name", required: true }),
    username: input("username", { autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" }),
    email: input("email", { type: "email", autocomplete: "email", required: true }),
    phone: input("phone", { type: "tel", autocomplete: "tel", required: true, placeholder: "0803 123 4567" }),
    password: h("input", { name: "password", type: "password", autocomplete: "new-password", required: true }),
    confirm: h("input", { name: "confirm", type: "password", autocomplete: "new-password", required: true }),
  };
  const signUp = form(
    [
      h("div", { class: "form-row two" }, field("First name", controls.first_name), field("Last name", controls.last_name)),
      field("Username", controls.username, { hint: "3–32 letters, digits, dots, dashes or underscores." }),
      field("Email", controls.email),
      field("Phone", controls.phone, { hint: "A Nigerian number (0803…) or international (+234…)." }),
      field("Password", controls.password, { hint: "At least 12 characters; a passphrase is best." }),
      field("Confirm password", controls.confirm),
    ],
    async (values) => {
      for (const name of ["first_name", "last_name", "username", "email", "phone", "password"]) {
        if (!values[name]) throw new FormError(name, "This field is required.");
      }
      if (values.password !== values.confirm) throw new FormError("confirm", "The passwords do not match.");
      const { confirm, ...body } = values;
      await register(body);
      await login(values.username, values.password);
      await loadMe();
      const rules = await bankRulesIfAvailable();
      const bonus = rules ? rules.accounts.welcome_bonus : 0;
      flash(bonus > 0 ? `Your profile is ready. Open your first account to receive a ${money(bonus)} welcome bonus.` : "Your profile is ready. Open your first account.");
      navigate("/open-account");
    },
    { submitLabel: "Create my profile", busyLabel: "Creating…" },
  );
  view.append(
    h(
      "section",
      { class: "panel auth", "aria-labelledby": "register-title" },
      h("h1", { id: "register-title" }, "Open an account"),
      h("p", { class: "muted" }, "Create your profile, then open a current or savings account in a minute."),
      signUp,
      h("p", { class: "small" }, "Already a customer? ", h("a", { href: "#/login" }, "Sign in")),
    ),
  );
  controls.first_name.focus();
}

/**
 * The first admin signs in with a generated password and must replace it before anything else (the
 * API answers only /me, /me/password and /auth/logout until then). A changed password ends every
 * session of the user, this one too: the tab forgets its tokens and asks for the new password.
 */
export async function passwordChangePage(view) {
  const current = h("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true });
  const next = h("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true });
  const confirm = h("input", { name: "confirm", type: "password", autocomplete: "new-password", required: true });
  const changer = form(
    [
      field("Current password", current, { hint: "The password you just signed in with." }),
      field("New password", next, { hint: "At least 12 characters; a passphrase is best." }),
      field("Repeat the new password", confirm),
    ],
    async (values, node) => {
      if (!values.current_password) throw new FormError("current_password", "Enter the password you signed in with.");
      if (!values.new_password) throw new FormError("new_password", "Choose a new password.");
      if (values.new_password !== values.confirm) throw new FormError("confirm", "The new passwords do not match.");
      if (values.new_password === values.current_password) throw new FormError("new_password", "Choose a password other than the current one.");
      await post("/me/password", { current_password: values.current_password, new_password: values.new_password });
      node.reset();
      // The bank has ended every session of this user (tokens stop within seconds): start afresh.
      forgetSession();
      state.me = null;
      flash("Your password is changed. Sign in with your new password.", "ok");
      navigate("/login");
    },
    { submitLabel: "Change password", busyLabel: "Changing…" },
  );
  view.append(
    h(
      "section",
      { class: "panel auth", "aria-labelledby": "pcr-title" },
      h("h1", { id: "pcr-title" }, "Choose a new password"),
      h("p", { class: "muted" }, "Your password was generated when the bank was set up. Replace it with one only you know before you do anything else."),
      changer,
      h("p", { class: "small muted" }, "Afterwards you sign in again with the new password; every other session of yours ends."),
    ),
  );
  current.focus();
}
