"""The app's pages, one per module; app.py only builds the navigation from these."""
from .about import about
from .catalog import catalog_admin
from .find import brief_html, find_practices, render_card, share_link
from .pairing import network_pairing
from .partners import twinning_partners
from .results import results_pages

__all__ = ["about", "brief_html", "catalog_admin", "find_practices", "network_pairing", "render_card", "results_pages", "share_link", "twinning_partners"]
