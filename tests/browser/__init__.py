"""The pages in headless Chromium (marker browser)."""
