// @ts-check
// Sign-in with MSAL.js (@azure/msal-browser, vendored in vendor/msal-browser/, loaded as the global `msal`):
// authorization code with PKCE by redirect, a token asked for silently before every API call (MSAL answers from its
// cache or renews it with its refresh token, so long uploads keep a valid token), and sign-out at the provider.
// Settings come from the API (GET /app/config.json): authority, client id and scope; there is no secret.

/** What GET /app/config.json answers (BrowserSignInConfig). @typedef {{ client_id: string, authority: string, known_authorities: string[], scope: string, token_renewal_offset_seconds: number }} Settings */
/** @typedef {import("@azure/msal-browser").AccountInfo} Account */

/** @type {import("@azure/msal-browser").PublicClientApplication} */
let client;
/** @type {Settings} */
let settings;

/**
 * Reads the settings and finishes a sign-in redirect if this page load is one. Answers the signed-in account, or null.
 * @returns {Promise<Account | null>}
 */
export async function initialize() {
  const response = await fetch("/app/config.json");
  if (!response.ok) throw new Error("This server has no browser sign-in configured (GET /app/config.json).");
  settings = await response.json();
  const home = new URL("/app/", location.origin).href;
  client = new msal.PublicClientApplication({
    auth: {
      clientId: settings.client_id,
      authority: settings.authority,
      // Trusted as named, so MSAL reads the authority's own metadata instead of asking Entra's instance discovery.
      knownAuthorities: settings.known_authorities,
      redirectUri: home,
      postLogoutRedirectUri: home,
    },
    cache: { cacheLocation: "sessionStorage" },
    system: { tokenRenewalOffsetSeconds: settings.token_renewal_offset_seconds },
  });
  await client.initialize();
  const result = await client.handleRedirectPromise();
  const account = result?.account ?? client.getActiveAccount() ?? client.getAllAccounts()[0] ?? null;
  if (account) client.setActiveAccount(account);
  return account;
}

export function signIn() {
  return client.loginRedirect({ scopes: [settings.scope] });
}

/**
 * The API's access token for the next call: cached, or renewed silently; a redirect to the provider if it must ask the user.
 * @returns {Promise<string>}
 */
export async function accessToken() {
  const request = { scopes: [settings.scope], account: client.getActiveAccount() ?? undefined };
  try {
    return (await client.acquireTokenSilent(request)).accessToken;
  } catch (error) {
    if (error instanceof msal.InteractionRequiredAuthError) await client.acquireTokenRedirect(request);
    throw error;
  }
}

/** @param {Account} account */
export function displayName(account) {
  return account.name || account.username;
}

export function signOut() {
  return client.logoutRedirect({ account: client.getActiveAccount() });
}
