// Admin: staff accounts (create, disable, enable).

import { get, post, q } from "../../api.js";
import { h } from "../../dom.js";
import { dateTime } from "../../format.js";
import { navigate } from "../../nav.js";
import { state } from "../../state.js";
import { badge, errorBox, field, flash, form, FormError, input, load, pageHead, select, table } from "../../ui.js";

export async function staffUsersPage(view) {
  const list = h("section", { class: "panel", "aria-labelledby": "staff-title" });
  const create = h("section", { class: "panel", "aria-labelledby": "new-staff-title" });
  view.append(pageHead("Staff management"), list, create);
  load(list, () => get("/staff/users?limit=100"), (r) => [
    h("h2", { id: "staff-title" }, "Staff"),
    table(
      [
        { label: "Name", value: (u) => `${u.first_name} ${u.last_name}` },
        { label: "Username", value: (u) => u.username },
        { label: "Role", value: (u) => u.role },
        { label: "Status", value: (u) => badge(u.status) },
        { label: "Since", value: (u) => dateTime(u.created_at) },
        { label: "", value: (u) => statusButton(u) },
      ],
      r.items || [],
      { caption: "Staff", empty: "No staff yet." },
    ),
  ]);
  const fields = {
    first_name: input("first_name", { required: true }),
    last_name: input("last_name", { required: true }),
    username: input("username", { required: true, autocapitalize: "none" }),
    email: input("email", { type: "email", required: true }),
    phone: input("phone", { type: "tel" }),
    password: h("input", { name: "password", type: "password", autocomplete: "new-password", required: true }),
    role: select("role", [{ value: "staff", label: "Staff" }, { value: "admin", label: "Admin (manages staff)" }]),
  };
  create.append(
    h("h2", { id: "new-staff-title" }, "Add a staff member"),
    form(
      [
        h("div", { class: "form-row two" }, field("First name", fields.first_name), field("Last name", fields.last_name)),
        h("div", { class: "form-row two" }, field("Username", fields.username), field("Email", fields.email)),
        h("div", { class: "form-row two" }, field("Phone (optional)", fields.phone), field("Role", fields.role)),
        field("Initial password", fields.password, { hint: "At least 12 characters; tell them to change it." }),
      ],
      async (values) => {
        for (const name of ["first_name", "last_name", "username", "email", "password"]) if (!values[name]) throw new FormError(name, "Required.");
        const body = { ...values };
        if (!body.phone) delete body.phone;
        const user = await post("/staff/users", body);
        flash(`${user.username} can now sign in as ${user.role}.`);
        navigate("/admin/staff");
      },
      { submitLabel: "Create staff member", busyLabel: "Creating…" },
    ),
  );
}

function statusButton(user) {
  if (state.me && user.user_id === state.me.user_id) return h("span", { class: "small muted" }, "you");
  const disable = user.status === "active";
  const button = h("button", { type: "button", class: `btn small ${disable ? "danger" : "secondary"}` }, disable ? "Disable" : "Enable");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await post(`/staff/users/${q(user.user_id)}/${disable ? "disable" : "enable"}`, {});
      flash(`${user.username} is ${disable ? "disabled" : "enabled"}.`);
      navigate("/admin/staff");
    } catch (error) {
      button.disabled = false;
      button.after(errorBox(error));
    }
  });
  return button;
}
