// Profile details and password change (customers and staff).

import { login, patch, post } from "../api.js";
import { h, replace } from "../dom.js";
import { dateTime } from "../format.js";
import { state } from "../state.js";
import { facts, field, form, FormError, input, pageHead, showNotice } from "../ui.js";

export async function profilePage(view) {
  const me = state.me;
  const details = h("section", { class: "panel", "aria-labelledby": "details-title" });
  const drawDetails = () =>
    replace(
      details,
      h("h2", { id: "details-title" }, "Your details"),
      facts([
        ["Username", me.username],
        ["Name", `${me.first_name} ${me.last_name}`],
        ["Email", me.email || "—"],
        ["Phone", me.phone || "—"],
        ["Role", me.role],
        ["Member since", dateTime(me.created_at)],
      ]),
    );
  drawDetails();

  const controls = {
    first_name: input("first_name", { value: me.first_name, autocomplete: "given-name" }),
    last_name: input("last_name", { value: me.last_name, autocomplete: "family-name" }),
    email: input("email", { type: "email", value: me.email || "", autocomplete: "email" }),
    phone: input("phone", { type: "tel", value: me.phone || "", autocomplete: "tel" }),
  };
  const editor = form(
    [h("h2", {}, "Change your details"), h("div", { class: "form-row two" }, field("First name", controls.first_name), field("Last name", controls.last_name)), field("Email", controls.email), field("Phone", controls.phone)],
    async (values) => {
      const changed = {};
      for (const [name, value] of Object.entries(values)) if (value && value !== (me[name] || "")) changed[name] = value;
      if (!Object.keys(changed).length) throw new FormError("first_name", "Nothing has changed.");
      const updated = await patch("/me", changed);
      Object.assign(me, updated);
      drawDetails();
      showNotice("Your details are saved.");
    },
    { submitLabel: "Save details", busyLabel: "Saving…" },
  );

  const current = h("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true });
  const next = h("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true });
  const confirm = h("input", { name: "confirm", type: "password", autocomplete: "new-password", required: true });
  const password = form(
    [h("h2", {}, "Change your password"), field("Current password", current), field("New password", next, { hint: "At least 12 characters; not a common password." }), field("Repeat the new password", confirm)],
    async (values, node) => {
      if (!values.current_password) throw new FormError("current_password", "Enter your current password.");
      if (values.new_password.length < 12) throw new FormError("new_password", "Use at least 12 characters.");
      if (values.new_password !== values.confirm) throw new FormError("confirm", "The new passwords do not match.");
      await post("/me/password", { current_password: values.current_password, new_password: values.new_password });
      // A new password ends every session, this one included: sign this tab in again with it.
      await login(me.username, values.new_password);
      node.reset();
      showNotice("Your password is changed. Other devices are signed out.");
    },
    { submitLabel: "Change password", busyLabel: "Changing…" },
  );
  view.append(pageHead("Profile"), details, h("div", { class: "grid two" }, h("section", { class: "panel" }, editor), h("section", { class: "panel" }, password)));
}
