"""The latency benchmark's floor: a bare Streamlit app that only swaps one 1200-px image when
a slider moves. Nothing the dashboard does can be faster than this rerun.

Run by ``python -m bench.latency`` (``streamlit run bench/floor_app.py``). Each slider value
shows a different 1200×900 photo-like image in 16 colours as an indexed PNG, as the
dashboard's compressed preview is, all encoded on the first run: a move then costs one
rerun and one image fetch, as a K change in the dashboard does at best.
"""

import io

import numpy as np
import streamlit as st
from PIL import Image

SIZE = (1200, 900)


@st.cache_resource
def image_for(value: int) -> bytes:
    """A 1200×900 indexed PNG of smooth colours plus noise, different for every value."""
    rng = np.random.default_rng(value)
    y, x = np.mgrid[0 : SIZE[1], 0 : SIZE[0]].astype(np.float32)
    base = np.stack([x / 5 + value * 7, y / 4, (x + y) / 8 + value * 3], axis=2) % 256
    pixels = np.clip(base + rng.normal(0, 10, base.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).quantize(16, dither=Image.Dither.NONE).save(buffer, format="PNG")
    return buffer.getvalue()


for ready in range(1, 41):  # encoded ahead: a slider move only swaps the image
    image_for(ready)
value = st.slider("Value", 1, 256, 16, key="value")
st.caption(f"value = {value} ")
st.image(image_for(value), alt=f"Image {value}", width="stretch", output_format="PNG")
