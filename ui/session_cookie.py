"""The browser half of "stay signed in": a tiny inline component that writes or clears the
``callqa_session`` cookie. Streamlit reads cookies (``st.context.cookies``) but cannot set
them; the token itself comes from :func:`store.users.create_login_session`.

Flags (issue 14, row 12): ``SameSite=Strict``, ``Secure`` whenever the page is served over
HTTPS (the reverse proxy of ``deploy/``), ``Path=/``, ``Max-Age`` = ``ui.session_days`` (0:
no cookie at all, every new tab asks for the password).

What the framework cannot do: a cookie written by page script cannot be ``HttpOnly`` (the
browser forbids it), and Streamlit offers no way to send a ``Set-Cookie`` header from Python.
So a script injected into the page could read the token. We compensate: every text of a call
or a user is rendered as plain text (no HTML, ``ui.common.plain``), so there is no injection
path we know of; the token works only in the browser (user agent) it was given to; it is
replaced by a new one each time it signs a tab in (the old one lives 60 s more), so a stolen
copy dies at the next tab the owner opens; it never outlives ``ui.session_days``; signing out,
a new password or disabling the account deletes it server-side; a cookie shown by another
browser is written to the sign-in audit (``token_rejected``).
"""

from __future__ import annotations

import streamlit as st

from ui.auth import COOKIE_NAME

_JS = """
export default function (component) {
  const { data } = component;
  if (!data || !data.name) return;
  const base = `${data.name}=`;
  const attrs = "; path=/; SameSite=Strict" + (location.protocol === "https:" ? "; Secure" : "");
  const current = document.cookie.split("; ").filter(c => c.startsWith(base)).map(c => c.slice(base.length))[0];
  const mine = window.__cqTokens || (window.__cqTokens = new Set());
  if (data.token) {
    // Tokens rotate: write ours only over no cookie, the token this tab was signed in with, or
    // one this tab wrote -- never over the newer token of another tab of this browser.
    if (current !== data.token && (!current || current === data.replaces || mine.has(current))) {
      document.cookie = base + data.token + "; max-age=" + data.max_age + attrs;
      mine.add(data.token);
    }
  } else if (document.cookie.split("; ").some(c => c.startsWith(base))) {
    document.cookie = base + "; max-age=0" + attrs;
  }
}
"""

_cookie = st.components.v2.component("callqa_session_cookie", html="<span></span>", js=_JS)


def write_cookie(token: str, days: float, replaces: str | None = None) -> None:
    """Keep ``token`` in this browser for ``days`` in place of ``replaces`` (the token this tab
    was signed in with), rendered on every run: idempotent."""
    _cookie(key="session-cookie", data={"name": COOKIE_NAME, "token": token, "replaces": replaces,
                                        "max_age": int(days * 86400)},
           height="content")


def clear_cookie() -> None:
    _cookie(key="session-cookie", data={"name": COOKIE_NAME, "token": None}, height="content")
