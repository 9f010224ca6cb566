"""Take the README's screenshots from a running demo (`make run`): python scripts/screenshots.py."""

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

# The browser and its flags are the browser tests' own.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

BASE = os.getenv("BASE_URL", "http://127.0.0.1:8000")
OUT = sys.argv[1] if len(sys.argv) > 1 else "docs"

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{BASE}/connexion/")
    page.screenshot(path=f"{OUT}/login.png")
    page.fill("#id_username", "redaction")
    page.fill("#id_password", os.getenv("DEMO_PASSWORD", "resultats-2026"))
    page.click("button.primary")
    page.screenshot(path=f"{OUT}/title.png", full_page=True)
    page.click('a:has-text("Gard")')
    page.screenshot(path=f"{OUT}/departement.png", full_page=False)
    if "--build" in sys.argv:
        page.click("text=Récupérer les résultats")
        page.wait_for_selector("a.download", timeout=90000)
        page.screenshot(path=f"{OUT}/departement-encart.png", full_page=False)
        page.locator("ul.inserts li a").first.click()
        page.wait_for_selector("ol.thumbnails img")
        page.wait_for_timeout(1000)
        page.screenshot(path=f"{OUT}/encart.png", full_page=True)
    browser.close()
