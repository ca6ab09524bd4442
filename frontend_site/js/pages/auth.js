// Sign in and registration (public pages).

import { login, register } from "../api.js";
import { h } from "../dom.js";
import { navigate } from "../nav.js";
import { loadMe, isStaff } from "../state.js";
import { field, flash, form, FormError, input } from "../ui.js";

export async function loginPage(view) {
  const username = input("username", { autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const signIn = form(
    [field("Username", username), field("Password", password)],
    async (values) => {
      if (!values.username) throw new FormError("username", "Enter your username.");
      if (!values.password) throw new FormError("password", "Enter your password.");
      await login(values.username, values.password);
      const me = await loadMe();
      flash(`Welcome back, ${me.first_name || me.username}.`);
      navigate(isStaff() ? "/staff" : "/dashboard");
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
      flash("Your profile is ready. Open your first account to receive a ₦1,000.00 welcome bonus.");
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
