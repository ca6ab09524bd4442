// Shared page pieces: fields wired to labels and error messages, busy buttons, problem documents
// shown as readable messages, tables that stack on a phone, notices.

import { ApiError } from "./api.js";
import { h, replace, uid } from "./dom.js";
import { money } from "./format.js";

// ---------------------------------------------------------------- notices (survive one navigation)
let pendingNotice = null;

export function flash(message, kind = "ok") {
  pendingNotice = { message, kind };
}

export function showNotice(message, kind = "ok") {
  const region = document.getElementById("notice");
  const close = h("button", { type: "button", "aria-label": "Dismiss", onclick: () => box.remove() }, "×");
  const box = h("div", { class: `notice ${kind}` }, h("span", {}, message), close);
  replace(region, box);
}

export function takeFlash() {
  const region = document.getElementById("notice");
  region.replaceChildren();
  if (pendingNotice) {
    showNotice(pendingNotice.message, pendingNotice.kind);
    pendingNotice = null;
  }
}

// ---------------------------------------------------------------- errors
export function describe(error) {
  if (error instanceof ApiError) {
    const { title, detail } = error.problem;
    if (detail && title && detail !== title) return `${title}: ${detail}`;
    return detail || title || error.message;
  }
  if (error instanceof FormError) return error.message;
  return "Something went wrong in the page. Please reload and try again.";
}

/** An alert box for an error; field errors listed when they are not shown beside a field. */
export function errorBox(error, extraFields = []) {
  const items = extraFields.map((item) => h("li", {}, `${labelOf(item.field)}: ${item.message}`));
  const code = error instanceof ApiError && error.code ? h("span", { class: "small muted" }, ` (${error.code})`) : null;
  return h("div", { class: "alert error", role: "alert" }, h("strong", {}, describe(error)), code, items.length ? h("ul", {}, items) : null);
}

/** An alert with our own words for a known problem, and the API's code beside it (for support). */
export function problemAlert(message, error, { kind = "error", testid } = {}) {
  const code = error instanceof ApiError && error.code ? h("span", { class: "small muted" }, ` (${error.code})`) : null;
  return h("div", { class: `alert ${kind}`, role: "alert", "data-testid": testid || null }, h("strong", {}, message), code);
}

function labelOf(field) {
  return String(field || "").replace(/^body\./, "").replace(/_/g, " ");
}

export function loading(text = "Loading…") {
  return h("p", { class: "loading", role: "status" }, text);
}

export function empty(text) {
  return h("p", { class: "empty" }, text);
}

// ---------------------------------------------------------------- forms
/** A labelled control. `control` is an <input>/<select>/<textarea>; its name is the API field name. */
export function field(label, control, { hint, id } = {}) {
  const controlId = id || control.id || uid(control.name || "f");
  control.id = controlId;
  const hintNode = hint ? h("span", { class: "hint", id: `${controlId}-hint` }, hint) : null;
  if (hintNode) control.setAttribute("aria-describedby", hintNode.id);
  const errorNode = h("span", { class: "field-error", id: `${controlId}-error`, hidden: true });
  return h("div", { class: "field", dataset: { field: control.name || "" } }, h("label", { for: controlId }, label), control, hintNode, errorNode);
}

export function input(name, props = {}) {
  return h("input", { name, type: "text", ...props });
}

export function select(name, options, props = {}) {
  return h(
    "select",
    { name, ...props },
    options.map((option) => h("option", { value: option.value, selected: option.selected || false }, option.label)),
  );
}

export function pinInput(name = "pin", props = {}) {
  return h("input", {
    name,
    type: "password",
    inputmode: "numeric",
    pattern: "\\d{4}",
    maxlength: "4",
    minlength: "4",
    autocomplete: "off",
    required: true,
    class: "pin",
    ...props,
  });
}

export function amountInput(name = "amount", props = {}) {
  return h("input", { name, type: "text", inputmode: "decimal", autocomplete: "off", placeholder: "0.00", required: true, ...props });
}

export function clearErrors(form) {
  for (const node of form.querySelectorAll(".field-error")) {
    node.hidden = true;
    node.textContent = "";
  }
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  for (const node of form.querySelectorAll(":scope > .alert")) node.remove();
}

/** Show an error on a form: field errors next to their fields, the rest in an alert at the top. */
export function showFormError(form, error) {
  clearErrors(form);
  const unplaced = [];
  const fieldErrors = error instanceof ApiError ? error.fieldErrors : [];
  for (const item of fieldErrors) {
    const name = String(item.field || "").replace(/^body\./, "").split(".")[0];
    const control = name ? form.querySelector(`[name="${CSS.escape(name)}"]`) : null;
    if (control) setFieldError(control, item.message);
    else unplaced.push(item);
  }
  const fieldName = error instanceof ApiError ? error.problem.field : null;
  if (fieldName && !fieldErrors.length) {
    const control = form.querySelector(`[name="${CSS.escape(fieldName)}"]`);
    if (control) setFieldError(control, describe(error));
  }
  const box = errorBox(error, unplaced);
  form.prepend(box);
  const firstInvalid = form.querySelector("[aria-invalid='true']");
  if (firstInvalid) {
    firstInvalid.focus();
  } else {
    box.setAttribute("tabindex", "-1");
    box.focus();
  }
}

export function setFieldError(control, message) {
  control.setAttribute("aria-invalid", "true");
  const errorNode = document.getElementById(`${control.id}-error`);
  if (errorNode) {
    errorNode.textContent = message;
    errorNode.hidden = false;
    const described = new Set((control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
    described.add(errorNode.id);
    control.setAttribute("aria-describedby", [...described].join(" "));
  }
}

/** Run `work` with the button disabled and labelled as busy; a double click cannot start it twice. */
export async function busy(button, work, busyText = "Working…") {
  if (button.getAttribute("aria-busy") === "true") return undefined;
  const label = button.textContent;
  button.setAttribute("aria-busy", "true");
  button.disabled = true;
  button.textContent = busyText;
  try {
    return await work();
  } finally {
    button.removeAttribute("aria-busy");
    button.disabled = false;
    button.textContent = label;
  }
}

/**
 * A form whose submit runs `onSubmit(values, form)`; errors are shown on the form. Values are the
 * trimmed strings of named controls (PIN and password fields are not trimmed).
 */
export function form(children, onSubmit, { submitLabel = "Submit", busyLabel = "Working…", extraActions = [], className = "" } = {}) {
  const submit = h("button", { type: "submit", class: "btn" }, submitLabel);
  const node = h("form", { novalidate: true, class: className }, children, h("div", { class: "actions" }, submit, extraActions));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(node);
    const values = {};
    for (const control of node.elements) {
      if (!control.name) continue;
      if (control.type === "radio" && !control.checked) continue;
      if (control.type === "checkbox") values[control.name] = control.checked;
      else values[control.name] = control.type === "password" ? control.value : control.value.trim();
    }
    await busy(submit, async () => {
      try {
        await onSubmit(values, node);
      } catch (error) {
        if (!(error instanceof ApiError) && !(error instanceof FormError)) console.error(error);
        if (error instanceof FormError) {
          const control = node.querySelector(`[name="${CSS.escape(error.field)}"]`);
          if (control) {
            setFieldError(control, error.message);
            control.focus();
          } else {
            node.prepend(h("div", { class: "alert error", role: "alert" }, error.message));
          }
        } else {
          showFormError(node, error);
        }
      }
    }, busyLabel);
  });
  node.submitButton = submit;
  return node;
}

/** A validation error found in the browser before calling the API. */
export class FormError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

// ---------------------------------------------------------------- display
export function badge(state) {
  const value = String(state || "");
  return h("span", { class: `badge ${value.replace(/[^a-z_]/g, "")}` }, value.replace(/_/g, " "));
}

/** A table; columns: {label, value(row) → Node|string, num?: bool}. Stacks into cards on a phone. */
export function table(columns, rows, { caption, empty: emptyText = "Nothing here yet.", rowClass } = {}) {
  if (!rows.length) return empty(emptyText);
  const head = h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : "" }, c.label))));
  const body = h(
    "tbody",
    {},
    rows.map((row) =>
      h(
        "tr",
        { class: rowClass ? rowClass(row) : "" },
        columns.map((c) => h("td", { class: c.num ? "num" : "", "data-label": c.label }, c.value(row))),
      ),
    ),
  );
  return h("div", { class: "table-wrap" }, h("table", { class: "stack" }, caption ? h("caption", { class: "visually-hidden" }, caption) : null, head, body));
}

export function stat(label, value, hint) {
  return h("div", { class: "panel stat" }, h("span", { class: "label" }, label), h("span", { class: "value" }, value), hint ? h("span", { class: "small muted" }, hint) : null);
}

export function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(Boolean).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

export function signedAmount(kobo, direction) {
  const incoming = direction === "credit";
  return h("span", { class: incoming ? "amount-in" : "amount-out" }, `${incoming ? "+" : "−"}${money(kobo)}`);
}

export function pageHead(title, ...actions) {
  return h("div", { class: "page-head" }, h("h1", {}, title), actions.length ? h("div", { class: "actions" }, actions) : null);
}

export function link(href, text, className = "") {
  return h("a", { href, class: className }, text);
}

/** Render `loader()` into `container` with a loading state and an error state with Retry. */
export async function load(container, loader, render) {
  replace(container, loading());
  try {
    const data = await loader();
    replace(container, render(data));
  } catch (error) {
    if (!(error instanceof ApiError)) console.error(error);
    const retry = h("button", { type: "button", class: "btn secondary small", onclick: () => load(container, loader, render) }, "Try again");
    replace(container, errorBox(error), retry);
  }
}
