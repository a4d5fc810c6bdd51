"""Compare: K-Means against the quantizers people use, on the same image and K."""

import streamlit as st

from dashboard import experiments, figures, session, views
from kmeans_core import pillow_methods

analysis = session.require()
settings = session.current_settings()
source = session.current_source()
views.page_header("Compare quantizers", analysis, settings)
st.markdown(
    f"The same image and the same number of colours (K = {settings.k}), through this app's "
    "K-Means and through Pillow's quantizers, none dithered. Every file is written by the "
    "same indexed-PNG encoder; every MSE is measured against the original pixels."
)
kmeans = views.kmeans_rendering(analysis)
methods = pillow_methods()
missing = [name for name, available in methods.items() if not available]
names = [name for name, available in methods.items() if available]


def show(column, rendering: experiments.Rendering) -> None:
    views.encoded_image(
        column,
        rendering.preview_png,
        caption=f"{rendering.name}: MSE {rendering.mse:,.1f}, {rendering.colors} colours",
        alt=f"{analysis.name} compressed by {rendering.name} with K = {settings.k}",
    )


def other(name: str) -> experiments.Rendering:
    """One of Pillow's quantizers on this image (its cache keeps it for the other tab)."""
    return experiments.other_quantizer(source.digest, settings.k, name, source.data)


def side_by_side() -> None:
    """A thumbnail for each quantizer, each shown as soon as it is done, and the verdict."""
    columns = st.columns(1 + len(names))
    show(columns[0], kmeans)
    renderings = []
    for column, name in zip(columns[1:], names, strict=True):
        rendering = other(name)
        show(column, rendering)
        renderings.append(rendering)
    best_other = min(renderings, key=lambda r: r.mse)
    st.markdown(
        f"K-Means' MSE is **{100 * (1 - kmeans.mse / best_other.mse):.0f} % lower** than the "
        f"best of Pillow's ({best_other.name}, {best_other.mse:,.1f}): it places every colour "
        "where the pixels are, while median cut and octrees split the colour cube by rules."
        if kmeans.mse < best_other.mse
        else f"Here {best_other.name} matches K-Means "
        f"({best_other.mse:,.1f} against {kmeans.mse:,.1f})."
    )


def in_numbers() -> None:
    """MSE, PSNR, time and PNG size of every quantizer, as bars and as a table."""
    renderings = [kmeans, *map(other, names)]
    views.cached_chart(
        "quantizer_bars",
        # the timings too: a result computed again (after its cache let it go) takes its own
        (source.digest, settings, tuple(r.seconds for r in renderings)),
        lambda: figures.quantizer_bars(
            [r.name for r in renderings],
            [r.mse for r in renderings],
            [r.psnr for r in renderings],
            [r.seconds for r in renderings],
            [r.png_size for r in renderings],
        ),
    )
    st.dataframe(
        [
            {
                "quantizer": r.name,
                "colours": r.colors,
                "MSE": round(r.mse, 2),
                "PSNR (dB)": round(r.psnr, 2),
                "seconds": round(r.seconds, 3),
                "indexed PNG": views.human_bytes(r.png_size),
            }
            for r in renderings
        ],
        hide_index=True,
        width="stretch",
    )


views.sections("compare_part", {"Side by side": side_by_side, "In numbers": in_numbers})
st.caption(
    "K-Means' time is the whole run (counting colours, every iteration, the final mapping). "
    + (f"Not in this Pillow build: {', '.join(missing)}." if missing else "")
)
