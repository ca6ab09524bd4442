// Who is signed in (GET /me), shared by the shell and the pages.

import { get } from "./api.js";

export const state = { me: null };

export async function loadMe() {
  state.me = await get("/me");
  return state.me;
}

export function isStaff() {
  return Boolean(state.me && (state.me.role === "staff" || state.me.role === "admin"));
}

/** The first admin's generated password must be replaced before anything else (GET /me says so). */
export function mustChangePassword() {
  return Boolean(state.me && state.me.password_change_required);
}

export function isAdmin() {
  return Boolean(state.me && state.me.role === "admin");
}

/** The signed-in customer's accounts (GET /accounts), every page. */
export async function myAccounts() {
  const result = await get("/accounts?limit=100");
  return result.items || [];
}
