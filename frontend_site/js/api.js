// The API client: JSON in and out, bearer tokens with a single-flight rotating refresh, and every
// failure turned into an ApiError that carries the RFC 9457 problem document.

const SESSION_KEY = "arhan.session";
const REFRESH_MARGIN_MS = 30_000;

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `Request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    this.code = problem.code || "";
  }

  /** Whether the server definitely answered (so a retry with a new attempt is safe to start). */
  get definitive() {
    const retryable = this.code === "pin_busy" || this.status === 429;
    return this.status >= 400 && this.status < 500 && !retryable;
  }

  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

function apiBase() {
  const config = window.ARHAN_CONFIG || {};
  if (!config.apiUrl) {
    throw new ApiError(0, {
      code: "not_configured",
      title: "The site is not connected to the bank's API",
      detail: "config.js with window.ARHAN_CONFIG.apiUrl is missing; deploy the site with `make up`.",
    });
  }
  return String(config.apiUrl).replace(/\/+$/, "");
}

// ---------------------------------------------------------------- session (tokens)
// Kept in sessionStorage: it survives a reload of this tab but not closing it, and no other tab or
// site sees it. The access token is short-lived; the refresh token rotates on every use.
let session = loadSession();
let refreshing = null;
const listeners = new Set();
const passwordChangeListeners = new Set();

function loadSession() {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

function saveSession(next) {
  session = next;
  if (next) sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
  else sessionStorage.removeItem(SESSION_KEY);
}

export function onSessionEnd(listener) {
  listeners.add(listener);
}

/** Called when the API refuses a call because this user must first choose a new password. */
export function onPasswordChangeRequired(listener) {
  passwordChangeListeners.add(listener);
}

export function hasSession() {
  return Boolean(session && session.refresh);
}

function storeTokens(pair) {
  saveSession({
    access: pair.access_token,
    refresh: pair.refresh_token,
    expiresAt: Date.now() + Number(pair.expires_in || 300) * 1000,
  });
}

export function endSession(reason) {
  const had = hasSession();
  saveSession(null);
  if (had) for (const listener of listeners) listener(reason);
}

/** Forget this tab's tokens without telling the listeners (the page says what happens next). */
export function forgetSession() {
  saveSession(null);
}

async function refreshTokens() {
  if (!refreshing) {
    const token = session && session.refresh;
    refreshing = (async () => {
      if (!token) throw new ApiError(401, { code: "not_signed_in", title: "Please sign in" });
      const pair = await send("POST", "/auth/refresh", { body: { refresh_token: token }, auth: false });
      storeTokens(pair);
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function accessToken() {
  if (!session) throw new ApiError(401, { code: "not_signed_in", title: "Please sign in" });
  if (Date.now() > session.expiresAt - REFRESH_MARGIN_MS) {
    try {
      await refreshTokens();
    } catch (error) {
      if (error instanceof ApiError && error.definitive) {
        endSession("Your session has ended. Please sign in again.");
      }
      throw error;
    }
  }
  return session.access;
}

// ---------------------------------------------------------------- requests
async function send(method, path, { body, headers = {}, auth = true, accept = "application/json", token } = {}) {
  const all = { Accept: accept, ...headers };
  if (body !== undefined) all["Content-Type"] = "application/json";
  if (auth) all.Authorization = `Bearer ${token || (await accessToken())}`;
  let response;
  try {
    response = await fetch(apiBase() + path, {
      method,
      headers: all,
      body: body === undefined ? undefined : JSON.stringify(body),
      mode: "cors",
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, {
      code: "network_error",
      title: "We could not reach the bank",
      detail: "Check your connection and try again.",
    });
  }
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok) {
    let problem = {};
    try {
      problem = type.includes("json") ? await response.json() : { detail: await response.text() };
    } catch {
      problem = {};
    }
    if (!problem.title) problem.title = problem.message || problem.Message || defaultTitle(response.status);
    if (!problem.code) problem.code = `http_${response.status}`;
    throw new ApiError(response.status, problem);
  }
  if (accept === "text/csv") return response.text();
  return type.includes("json") ? response.json() : response.text();
}

function defaultTitle(status) {
  if (status === 401) return "Please sign in again";
  if (status === 403) return "You are not allowed to do that";
  if (status === 404) return "Not found";
  if (status === 429) return "Too many requests; please wait a moment";
  if (status >= 500) return "Something went wrong on our side; please try again";
  return `Request failed (${status})`;
}

/** An authenticated call; one refresh-and-retry when the access token was refused. */
export async function api(method, path, options = {}) {
  try {
    return await send(method, path, options);
  } catch (error) {
    if (error instanceof ApiError && error.status === 403 && error.code === "password_change_required") {
      for (const listener of passwordChangeListeners) listener();
      throw error;
    }
    if (!(error instanceof ApiError) || error.status !== 401 || options.auth === false || !hasSession()) throw error;
    try {
      await refreshTokens();
    } catch (refreshError) {
      if (refreshError instanceof ApiError && refreshError.definitive) {
        endSession("Your session has ended. Please sign in again.");
        throw new ApiError(401, { code: "session_ended", title: "Your session has ended. Please sign in again." });
      }
      throw refreshError;
    }
    return send(method, path, options);
  }
}

export const get = (path, options) => api("GET", path, options);
export const post = (path, body, options = {}) => api("POST", path, { ...options, body: body ?? {} });
export const patch = (path, body, options = {}) => api("PATCH", path, { ...options, body });

/** Sign in; the answer says whether the user must choose a new password before anything else. */
export async function login(username, password) {
  const pair = await send("POST", "/auth/login", { body: { username, password }, auth: false });
  storeTokens(pair);
  return { passwordChangeRequired: pair.password_change_required === true };
}

export async function register(fields) {
  return send("POST", "/auth/register", { body: fields, auth: false });
}

export async function logout() {
  const token = session && session.refresh;
  try {
    if (token) await api("POST", "/auth/logout", { body: { refresh_token: token } });
  } finally {
    saveSession(null);
  }
}

/** A fresh Idempotency-Key for one attempt of a money movement. */
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Every page of a cursor-paginated list, up to `maxPages`. */
export async function getAll(path, { limit = 100, maxPages = 10, stop } = {}) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page += 1) {
    const sep = path.includes("?") ? "&" : "?";
    const url = `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const result = await get(url);
    items.push(...(result.items || []));
    cursor = result.next_cursor;
    if (!cursor || (stop && stop(result.items || []))) break;
  }
  return items;
}

export function q(value) {
  return encodeURIComponent(value);
}
