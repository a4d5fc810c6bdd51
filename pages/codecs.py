"""Is it good compression? K-Means' indexed PNG against JPEG, WebP and AVIF."""

import streamlit as st

from dashboard import codec_view, session, views

analysis = session.require()
settings = session.current_settings()
source = session.current_source()
views.page_header("Is it good compression?", analysis, settings)
st.markdown(
    "The exercise's palette saves bits; but is it *good* compression? Here the K-Means "
    "indexed PNG meets the codecs people use, two ways: each at the **highest quality whose "
    "file is no larger** than the PNG, and at the **smallest file that reaches** the PNG's "
    "PSNR."
)
codec_view.render(analysis, source, settings)
