"""The watchdog UI: Datasette over the catalog, with our metadata, canned queries, the coverage
grid (a small in-project plugin) and links from every status row to its archived evidence."""

from pathlib import Path

UI_DIR = Path(__file__).parent
METADATA_FILE = UI_DIR / "metadata.yaml"
TEMPLATES_DIR = UI_DIR / "templates"
PLUGINS_DIR = UI_DIR / "plugins"
