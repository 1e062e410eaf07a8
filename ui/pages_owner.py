"""The owner's pages for st.navigation: (page function, title, url_path, allowed roles).

app.py (ui.pages.owner_pages) turns each into an st.Page for users whose role is allowed;
each page checks the role itself too.
"""

from __future__ import annotations

from ui.digest import digest_page
from ui.head_log import head_log_page
from ui.owner import owner_page

OWNER_PAGES = [
    (owner_page, "Контроль РОП", "owner", ("owner",)),
    (head_log_page, "Журнал РОП", "head-log", ("owner", "head")),
    (digest_page, "Дайджест", "digest", ("owner",)),
]
