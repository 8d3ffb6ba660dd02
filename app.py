"""City Practice Matcher: Streamlit entry point. It only builds the navigation; pages live in ui/."""
import streamlit as st

from ui import pages
from ui.components import GLOBAL_CSS

st.set_page_config(page_title="City Practice Matcher", page_icon="🏙️", layout="wide")
st.markdown(GLOBAL_CSS, unsafe_allow_html=True)

nav = st.navigation(
    {
        "For city officials": [
            st.Page(pages.find_practices, title="Find practices", icon=":material/search:", default=True),
            st.Page(pages.twinning_partners, title="Twinning partners", icon=":material/handshake:", url_path="partners"),
            st.Page(pages.results_pages, title="Cities' results", icon=":material/monitoring:", url_path="results"),
        ],
        "For hub staff": [
            st.Page(pages.network_pairing, title="Network pairing", icon=":material/hub:", url_path="pairing"),
            st.Page(pages.catalog_admin, title="Catalog", icon=":material/inventory_2:", url_path="catalog"),
        ],
        "About": [st.Page(pages.about, title="About", icon=":material/info:", url_path="about")],
    }
)
nav.run()
