"""Streamlit pieces that more than one page draws."""

from __future__ import annotations

import inspect
import math
import zlib
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from kmeans_core import (
    hex_color,
    palette_to_gpl,
    palette_to_json,
)

from .analysis import (
    CACHE_TTL_SECONDS,
    Analysis,
)
from .data_urls import data_url
from .experiments import Rendering, dithered
from .figures import sized_for_screen
from .keys import Keys
from .settings import SHORT_RUN_LABELS, SPACE_LABELS, Settings, run_choice
from .step_figures import start_spread
from .steps import StartOutcome

_PRESENTATION_CSS = """<style>
/* Presentation mode: everything larger, for the back row of a lecture hall. */
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li,
[data-testid="stMain"] td, [data-testid="stMain"] th,
[data-testid="stMain"] [data-testid="stWidgetLabel"] p {font-size: 1.35rem !important;}
[data-testid="stMain"] h1 {font-size: 3.4rem !important;}
[data-testid="stMain"] h2, [data-testid="stMain"] h3 {font-size: 2.2rem !important;}
[data-testid="stMain"] [data-testid="stMetricValue"],
[data-testid="stMain"] [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p
  {font-size: 2.7rem !important;}
[data-testid="stMain"] [data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"] p
  {font-size: 1.15rem !important;}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p
  {font-size: 1.2rem !important;}
.katex {font-size: 1.5em !important;}
.palette .hex {font-size: 1.3rem !important;}
.palette .share {font-size: 1.15rem !important;}
</style>"""
CHART_FONT = {False: 16, True: 22}  # presentation mode off / on


def presenting() -> bool:
    """True in presentation mode."""
    return bool(st.session_state.get(Keys.present))


def chart_font_size() -> int:
    """The charts' type size: larger in presentation mode."""
    return CHART_FONT[presenting()]


def plotly_chart(figure, key: str) -> None:
    """Draw a Plotly figure full width, its type sized for presentation mode or not."""
    _draw(sized_for_screen(figure, chart_font_size()), key)


def _draw(figure: go.Figure, key: str) -> None:
    """The figure carries its own template (figures.TEMPLATE), so no Streamlit theme."""
    st.plotly_chart(figure, width="stretch", key=key, theme=None)


# The built figures of the current images, about ten an image and setting (the 3-D view's
# four toggles, the animation's three speeds…); the largest, a 3-D view of 20,000 points or
# the 21-frame animation, take 1-2 MB.
FIGURE_CACHE_ENTRIES = 16


def cached_chart(key: str, inputs: Hashable, build: Callable[[], go.Figure]) -> None:
    """Draw the figure ``build()`` makes, built once for ``inputs``: everything the figure
    depends on (the image's digest and settings, the page's toggles). Building a figure's
    Plotly objects took 50-150 ms of every visit of the Convergence, 3-D and Compare
    pages, and 0.7 s of Step by step's (its 21-frame animation)."""
    _draw(_built_figure(key, inputs, chart_font_size(), build), key)


@st.cache_resource(max_entries=FIGURE_CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _built_figure(
    key: str, inputs: Hashable, font_size: int, _build: Callable[[], go.Figure]
) -> go.Figure:
    """Shared by every session and never modified after it is built."""
    return sized_for_screen(_build(), font_size)


def sections(key: str, parts: dict[str, Callable[[], None]]) -> None:
    """The page's ``parts`` as tabs, only the open one drawn (a fragment of its own).

    Everything on a page is drawn again in the browser at each visit: a part costs what its
    elements cost (a Plotly chart 60-170 ms, ten Markdown blocks about 40 ms) even when it is
    scrolled out of sight. Drawn as tabs, a visit draws one part, and opening another reruns
    this fragment only, not the whole app. The tab opened last is opened again when the user
    comes back to the page (Streamlit forgets a widget's value once a run leaves it out).
    """
    kept = f"{key}_kept"

    def remember() -> None:
        st.session_state[kept] = st.session_state[key]

    @st.fragment
    def tabs() -> None:
        opened = st.tabs(
            list(parts), on_change=remember, key=key, default=st.session_state.get(kept)
        )
        for tab, draw in zip(opened, parts.values(), strict=True):
            if tab.open:
                with tab:
                    draw()

    tabs()


def apply_presentation_style() -> None:
    """Large type for a projector (the sidebar collapses with its own « button)."""
    st.markdown(_PRESENTATION_CSS, unsafe_allow_html=True)


def human_bytes(n: float) -> str:
    """1536 -> '1.5 KB' (powers of 1000, as file managers show sizes)."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def format_psnr(psnr: float) -> str:
    return "∞ (lossless)" if math.isinf(psnr) else f"{psnr:.1f} dB"


def page_header(title: str, analysis: Analysis, settings: Settings) -> None:
    """The page title and one line saying what is shown."""
    result = analysis.result
    st.title(title)
    size = f"{result.width:,}×{result.height:,}"
    if analysis.reduced:
        w, h = analysis.original_size
        size = f"{w:,}×{h:,}, clustered at {size}"
    st.caption(
        f"**{analysis.name}** · {size} pixels · K = {settings.k} · "
        f"{SHORT_RUN_LABELS[run_choice(settings)]} · {SPACE_LABELS[settings.space]} · "
        f"seed {settings.seed}"
    )
    if analysis.reduced:
        w, h = analysis.original_size
        st.info(
            f"This {w:,}×{h:,} photo ({w * h / 1e6:.0f} megapixels) was reduced to "
            f"{result.width:,}×{result.height:,} ({result.pixels / 1e6:.0f} megapixels) before "
            "clustering, to fit the server's memory; the downloads are at that size. "
            "The command line (`python -m kmeans_core`) works at full size.",
            icon=":material/photo_size_select_large:",
        )


def big_number(value: float) -> str:
    """A large quantity short enough for a metric card: 1,344,928,304 -> '1.345 B',
    20,123,456 -> '20.12 M'; below a million, in full."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if abs(value) >= size:
            return f"{value / size:.4g} {suffix}"
    return f"{value:,.0f}"


def stat(column, label: str, value: str, note: str | None = None, help: str | None = None) -> None:
    """A metric card with a plain note under the value (no arrow: it is not a change)."""
    column.metric(label, value, note, delta_color="off", delta_arrow="off", border=True, help=help)


def summary_metrics(analysis: Analysis) -> None:
    """The headline numbers in one row of metrics."""
    result, report = analysis.result, analysis.report
    columns = st.columns(5)
    stat(columns[0], "Colours", f"{result.colors_used:,}", f"from {result.distinct_colors:,}")
    stat(columns[1], "Compression ratio", f"{report.ratio:.2f}×", f"against {raw_kind(report)}")
    upload = f"your {analysis.input_format}: {human_bytes(analysis.input_bytes)}"
    stat(columns[2], "Indexed PNG", human_bytes(len(analysis.png)), upload)
    stat(columns[3], "MSE", f"{result.mse:,.1f}", "per pixel, R+G+B")
    stat(columns[4], "PSNR", format_psnr(result.psnr), f"{result.iterations} iterations")


def raw_kind(report) -> str:
    """'24-bit RGB', or '32-bit RGBA' for an image with transparency."""
    return f"{report.bits_per_color}-bit {'RGBA' if report.alpha else 'RGB'}"


# Behind an image that has transparency: a checkerboard, as image editors show it, so that
# what is transparent can be told from what is white.
_CHECKERBOARD_CSS = """<style>
[class*="st-key-checkerboard-"] [data-testid="stImage"] img {
  background: repeating-conic-gradient(#c8ced6 0% 25%, #ffffff 0% 50%) 0 0 / 16px 16px;
}
</style>"""


def encoded_image(
    container,
    data: bytes,
    *,
    caption: str,
    alt: str,
    image_format: str = "PNG",
    checkerboard: bool = False,
) -> None:
    """An encoded image (PNG unless said) exactly as it is, full width, with a caption and a
    text alternative.

    They travel inside the page's message as a data URL, not as a /media/ file: Streamlit's
    server sends no caching headers for media files, so the browser fetched an image again
    at every page visit, while a message over 10 kB that the browser already holds is sent
    again only as a reference to its hash. So an image goes out once per session, whichever
    page shows it and however often. (Given pixels instead, Streamlit would re-encode them
    on every run, as JPEG unless told otherwise, adding colours the palette does not have.)

    ``checkerboard`` shows an image with transparency over a checkerboard (a CSS
    background, so the image sent keeps its alpha and stays small).
    """
    if checkerboard:
        container.html(_CHECKERBOARD_CSS)
        # the key names the image, as its text alternative does: one a page
        container = container.container(key=f"checkerboard-{zlib.crc32(alt.encode()):08x}")
    container.image(data_url(data, image_format), caption=caption, alt=alt, width="stretch")


def side_by_side(analysis: Analysis, detail: bool = False) -> None:
    """The original and the compressed image at the same size; or a 1:1 crop of both.

    Both are PNG bytes made once (the original's once per image): a rerun sends nothing
    new for an image the browser already has.
    """
    left, right = st.columns(2)
    result, photo = analysis.result, analysis.photo
    if detail:
        x0, y0, x1, y1 = photo.crop_box
        where = f"centre {x1 - x0}×{y1 - y0} pixels at 100 %"
        encoded_image(
            left,
            photo.crop_png,
            caption=f"Original, {where}",
            alt=f"Original photo {analysis.name}, {where}",
            checkerboard=analysis.has_alpha,
        )
        encoded_image(
            right,
            analysis.compression.crop_png,
            caption=f"{result.colors_used} colours, {where}",
            alt=f"Compressed with K = {result.k}, {result.colors_used} colours, {where}",
            checkerboard=analysis.has_alpha,
        )
        return
    shown_h, shown_w = photo.preview_pixels.shape[:2]
    scale = "" if shown_w == result.width else f" · shown at {shown_w}×{shown_h}"
    lossy = photo.preview_format in ("JPEG", "WEBP")
    sent_as = f" (as a quality-95 {photo.preview_format.title()})" if lossy else ""
    size = f"{result.width}×{result.height} pixels"
    upload = f"{analysis.input_format}, {human_bytes(analysis.input_bytes)}"
    encoded_image(
        left,
        photo.preview_file,
        image_format=photo.preview_format,
        caption=f"Original · {upload}{scale}{sent_as}",
        alt=f"Original photo {analysis.name}, {size}",
        checkerboard=analysis.has_alpha,
    )
    png_size = human_bytes(len(analysis.png))
    encoded_image(
        right,
        analysis.compression.preview_png,
        caption=f"Compressed · {result.colors_used} colours, indexed PNG {png_size}{scale}",
        alt=f"{analysis.name} compressed with K = {result.k} to {result.colors_used} colours, "
        f"{size}",
        checkerboard=analysis.has_alpha,
    )
    if analysis.has_alpha:
        transparency_note(analysis)


def transparency_note(analysis: Analysis) -> None:
    """What happened to the image's transparency, under the two images."""
    hidden = int(analysis.result.pixel_counts[-1])
    share = 100 * hidden / analysis.result.pixels
    st.caption(
        f"Transparent areas are shown over a checkerboard. Alpha is cut at 50 %: "
        f"{hidden:,} pixels ({share:.1f} %) are transparent and share one palette entry, "
        f"on top of the {analysis.result.colors_used - 1} colours K-Means found for the "
        "opaque ones; partly transparent edges that stay are blended with white. Choose "
        "*Fill with a colour* under *More settings* for an opaque image instead."
    )


def palette_swatches(
    palette: np.ndarray, pixel_counts: np.ndarray, *, alpha: np.ndarray | None = None
) -> None:
    """The palette as colour chips, most used first, each with its hex code and share; a
    transparent entry (``alpha`` 0) as a checkerboard chip."""
    total = max(int(pixel_counts.sum()), 1)
    order = np.argsort(-pixel_counts, kind="stable")
    chips = []
    for index in order:
        if pixel_counts[index] == 0:
            continue
        share = 100 * pixel_counts[index] / total
        if alpha is not None and alpha[index] == 0:
            chips.append(_transparent_chip(share))
            continue
        rgb = palette[index]
        code = hex_color(rgb)
        ink = "#000000" if _luminance(rgb) > 0.179 else "#ffffff"  # both give 4.5:1 or more
        chips.append(
            f'<div class="swatch" title="{code}: {share:.2f} % of the pixels" '
            f'style="background:{code};color:{ink}">'
            f'<span class="hex">{code}</span><span class="share">{share:.1f} %</span></div>'
        )
    st.markdown(
        _SWATCH_CSS + f'<div class="palette">{"".join(chips)}</div>', unsafe_allow_html=True
    )


def _transparent_chip(share: float) -> str:
    return (
        f'<div class="swatch transparent" title="transparent: {share:.2f} % of the pixels">'
        f'<span class="hex">transparent</span><span class="share">{share:.1f} %</span></div>'
    )


def _luminance(rgb: np.ndarray) -> float:
    """Relative luminance as WCAG defines it (linear light): 0 black, 1 white."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb / 255)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


_SWATCH_CSS = """<style>
.palette {display:grid;grid-template-columns:repeat(auto-fill,minmax(118px,1fr));gap:8px;}
.palette .swatch {border-radius:8px;padding:10px 8px;min-height:64px;display:flex;
  flex-direction:column;justify-content:space-between;border:1px solid rgba(0,0,0,.15);
  font-family:ui-monospace,Menlo,Consolas,monospace;}
.palette .hex {font-size:1rem;font-weight:600;}
.palette .transparent {color:#000000;
  background:repeating-conic-gradient(#c8ced6 0% 25%, #ffffff 0% 50%) 0 0 / 16px 16px;}
.palette .share {font-size:.9rem;}
</style>"""


def compression_card(analysis: Analysis) -> None:
    """The exercise's arithmetic for this image, and the real file sizes beside it."""
    report = analysis.report
    bits, raw = report.bits_per_color, raw_kind(report)
    raw_bytes = report.bits_original / 8
    png_bytes, file_bytes = len(analysis.png), analysis.input_bytes
    exercise = (
        f"{bits} × {report.colors} + {report.pixels:,} × ⌈log₂ {report.colors}⌉ "
        f"= {report.bits_palette:,} + {report.bits_indices:,}"
    )
    rows = [
        (
            f"**Raw {raw}**: {bits} bits × {report.pixels:,} pixels",
            f"{report.bits_original:,} bits = {human_bytes(raw_bytes)}",
            "1.00×",
        ),
        (
            f"**Palette + indices** (the exercise): {exercise}",
            f"{report.bits_compressed:,} bits = {human_bytes(report.bits_compressed / 8)}",
            f"**{report.ratio:.3f}×**",
        ),
        (  # byte 24 of a PNG is its IHDR bit depth
            f"**Indexed PNG** ({analysis.png[24]}-bit indices, zlib-compressed)",
            f"{png_bytes:,} bytes = {human_bytes(png_bytes)}",
            f"{raw_bytes / png_bytes:.2f}×",
        ),
        (
            f"**Your file** ({analysis.input_format})",
            f"{file_bytes:,} bytes = {human_bytes(file_bytes)}",
            f"{raw_bytes / file_bytes:.2f}×",
        ),
    ]
    table = [f"| | Size | Against raw {bits}-bit |", "|---|---:|---:|"]
    table += [f"| {what} | {size} | {ratio} |" for what, size, ratio in rows]
    alpha_note = (
        " The image has transparency: every pixel and palette entry is RGBA, 32 bits, and "
        "the transparent entry is one of the K."
        if report.alpha
        else ""
    )
    with st.container(border=True):
        st.subheader("What the compression saves")
        st.markdown("\n".join(table))
        st.caption(
            f"Ratio = {bits}·H·W / ({bits}·K + H·W·⌈log₂ K⌉) with H·W = {report.pixels:,} and "
            f"K = {report.colors} colours used. The PNG also compresses the indices with zlib; "
            f"a JPEG upload was already compressed, with loss, by other means.{alpha_note}"
        )


def download(column, label: str, data, file_name: str, mime: str, icon: str) -> None:
    """A full-width download button that does not rerun the app when clicked.

    ``data`` is bytes, or a callable that makes them on the click.
    """
    column.download_button(
        label,
        data,
        file_name=file_name,
        mime=mime,
        icon=icon,
        on_click="ignore",
        width="stretch",
    )


def downloads(analysis: Analysis) -> None:
    """Download buttons: the indexed PNG and the palette as GIMP .gpl and JSON."""
    result, alpha = analysis.result, analysis.compression.palette_alpha
    stem = f"{Path(analysis.name).stem or 'image'}-k{result.k}"
    used = result.pixel_counts > 0
    # a GIMP palette holds colours only: the transparent entry is left out of it
    colours = used if alpha is None else used & (alpha == 255)
    columns = st.columns(3)
    png = analysis.png
    download(
        columns[0], "Indexed PNG", lambda: png, f"{stem}.png", "image/png", ":material/download:"
    )
    download(
        columns[1],
        "Palette (GIMP .gpl)",
        lambda: palette_to_gpl(result.palette[colours], name=stem),
        f"{stem}.gpl",
        "text/plain",
        ":material/palette:",
    )
    download(
        columns[2],
        "Palette (JSON)",
        lambda: palette_to_json(
            result.palette[used],
            result.pixel_counts[used],
            alpha=None if alpha is None else alpha[used],
        ),
        f"{stem}.json",
        "application/json",
        ":material/data_object:",
    )


def kmeans_rendering(analysis: Analysis) -> Rendering:
    """The analysis' own K-Means result, in the form the comparisons use."""
    result = analysis.result
    return Rendering(
        name="K-Means",
        preview_png=analysis.compression.preview_png,
        png_size=len(analysis.png),
        colors=result.colors_used,
        mse=result.mse,
        psnr=result.psnr,
        seconds=result.seconds,
    )


def dithering_section(analysis: Analysis, digest: str, data: bytes) -> None:
    """Plain K-Means beside Floyd–Steinberg dithering with the same palette."""
    result = analysis.result
    dither, dither_png = dithered(digest, result.palette, data)
    plain = kmeans_rendering(analysis)
    st.subheader("Plain or dithered, with the same palette")
    columns = st.columns(2)
    for column, rendering, label in zip(
        columns,
        (plain, dither),
        ("Plain: every pixel its nearest colour", "Floyd–Steinberg"),
        strict=True,
    ):
        with column:
            encoded_image(
                st,
                rendering.preview_png,
                caption=label,
                alt=f"{analysis.name} with K = {result.k}: {label}, {result.width}×{result.height}",
                checkerboard=analysis.has_alpha,
            )
            metrics = st.columns(3)
            stat(metrics[0], "MSE", f"{rendering.mse:,.1f}")
            stat(metrics[1], "PSNR", format_psnr(rendering.psnr))
            stat(metrics[2], "Indexed PNG", human_bytes(rendering.png_size))
    stem = Path(analysis.name).stem or "image"
    file_name = f"{stem}-k{result.k}-dithered.png"
    download(
        columns[1],
        "Dithered indexed PNG",
        lambda: dither_png,
        file_name,
        "image/png",
        ":material/download:",
    )
    st.caption(
        "Dithering spreads each pixel's error onto its neighbours: gradients look smoother "
        "from a distance, but every pixel is further from its original, so the MSE rises and "
        "the grain makes the PNG larger."
    )


def bad_starts(outcomes: Sequence[StartOutcome], name: str, k: int) -> None:
    """The exercise's run from several seeds: the spread of the final WCSS, the best and the
    worst side by side, and any cluster that went empty, with what the engine did."""
    finals = [o.wcss for o in outcomes]
    best = min(outcomes, key=lambda o: o.wcss)
    worst = max(outcomes, key=lambda o: o.wcss)
    columns = st.columns(3)
    stat(columns[0], "Best final WCSS", big_number(best.wcss), f"seed {best.seed}")
    stat(columns[1], "Worst final WCSS", big_number(worst.wcss), f"seed {worst.seed}")
    spread = 100 * (worst.wcss / best.wcss - 1) if best.wcss else 0.0
    stat(columns[2], "Spread", f"{spread:.1f} %", "worst above best")
    plotly_chart(start_spread([o.seed for o in outcomes], finals), "start_spread")
    left, right = st.columns(2)
    for column, outcome, which in ((left, best, "best"), (right, worst, "worst")):
        encoded_image(
            column,
            outcome.preview_png,
            caption=f"The {which} start: seed {outcome.seed}, final WCSS {outcome.wcss:,.0f}, "
            f"{outcome.iterations} iterations",
            alt=f"{name} compressed with K = {k} by the exercise's run from seed "
            f"{outcome.seed}, the {which} of {len(outcomes)} seeds",
        )
    empties = [(o.seed, t, n) for o in outcomes for t, n in o.empty_clusters]
    rule = (
        "the engine moves its centroid to the colour farthest from its own cluster's centroid "
        "(the worst-served pixels), a different colour for each empty cluster, as "
        "`compute_centroids` does, so no centroid is lost and none becomes NaN."
    )
    if empties:
        said = "; ".join(
            f"seed {seed}, iteration {t}: {n} cluster{'s' if n > 1 else ''} with no pixel"
            for seed, t, n in empties
        )
        st.warning(f"**Empty clusters** — {said}. Each time, {rule}", icon=":material/warning:")
    else:
        st.caption(
            "No cluster went empty in these runs. When one does (every pixel it had is "
            f"nearer another centroid), {rule}"
        )


def code_beside(text: str, formula: str, *functions) -> None:
    """A formula with its words on the left, the source of the ``functions`` that compute
    it on the right: read from the module itself, so it is always the code that runs."""
    left, right = st.columns([0.36, 0.64])
    with left:
        st.markdown(text)
        st.latex(formula)
    source = "\n\n".join(inspect.getsource(f) for f in functions)
    right.code(source, language="python", wrap_lines=True)  # no sideways scrolling
