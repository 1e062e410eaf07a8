"""The browser half of "stay signed in": a tiny inline component that writes or clears the
``callqa_session`` cookie. Streamlit reads cookies (``st.context.cookies``) but cannot set
them; the token itself comes from :func:`ui.auth.create_login_session`.
"""

from __future__ import annotations

import streamlit as st

from ui.auth import COOKIE_NAME

_JS = """
export default function (component) {
  const { data } = component;
  if (!data || !data.name) return;
  const base = `${data.name}=`;
  const attrs = "; path=/; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
  if (data.token) {
    if (!document.cookie.split("; ").includes(base + data.token)) {
      document.cookie = base + data.token + "; max-age=" + data.max_age + attrs;
    }
  } else if (document.cookie.split("; ").some(c => c.startsWith(base))) {
    document.cookie = base + "; max-age=0" + attrs;
  }
}
"""

_cookie = st.components.v2.component("callqa_session_cookie", html="<span></span>", js=_JS)


def write_cookie(token: str, days: float) -> None:
    """Keep ``token`` in this browser for ``days`` (rendered on every run: idempotent)."""
    _cookie(key="session-cookie", data={"name": COOKIE_NAME, "token": token,
                                        "max_age": int(days * 86400)},
           height="content")


def clear_cookie() -> None:
    _cookie(key="session-cookie", data={"name": COOKIE_NAME, "token": None}, height="content")
