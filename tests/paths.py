"""Where the checkout keeps what the tests read (demo data, tools); the product's own
run-time files are package data and are found through the packages."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = REPO_ROOT / "data" / "demo"
TOOLS_DEMO_DIR = REPO_ROOT / "tools" / "demo"
