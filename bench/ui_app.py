"""The review app as ``bench/ui.py --browser`` serves it: the app of ``app.py`` with one more
page for the РОП and the owner, «Пустая страница» (a title and nothing else).

Its time to content is what every page pays before drawing anything of its own: Streamlit's
rerun and the browser's redraw, and the app's frame around each page (the sign-in check, the
sidebar, the menu). Absolute times swing with the machine's load; a page's ratio to this one
says how much the page itself adds.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402

from ui import pages  # noqa: E402
from ui.app import main  # noqa: E402

BLANK_TITLE = "Пустая страница"


def blank_page() -> None:
    st.title(BLANK_TITLE)


BLANK = pages.PageEntry(blank_page, BLANK_TITLE, "blank", ":material/check_box_outline_blank:",
                        frozenset({"owner", "head"}))

if __name__ == "__main__":  # streamlit run bench/ui_app.py (bench/ui.py imports BLANK)
    # every rerun runs this script again; the page registry (a module) stays
    if all(entry.url_path != BLANK.url_path for entry in pages.PAGES):
        pages.PAGES = (*pages.PAGES, BLANK)
    main()
