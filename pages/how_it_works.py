"""How it works: the method as the exercise teaches it, with this image's numbers."""

import math

import streamlit as st

from dashboard import experiments, session, views
from dashboard.settings import SPACE_LABELS
from kmeans_core.kmeans import (
    compute_centroids,
    find_closest_centroids,
    kmeans_init_centroids,
    run_kmeans,
    weighted_means,
)


def tex(number: float) -> str:
    """A whole number with thousands separators that LaTeX does not space out."""
    return f"{number:,.0f}".replace(",", "{,}")


analysis = session.require()
settings = session.current_settings()
source = session.current_source()
views.page_header("How it works", analysis, settings)
result, report = analysis.result, analysis.report
m, k = result.pixels, settings.k
history = result.wcss_history
if not math.isfinite(result.psnr):
    st.info("This image has no more colours than K: it is reproduced exactly.")


def pixels_and_objective() -> None:
    """Sections 1 and 2: the pixels as points, the WCSS."""
    st.header("1. Pixels are points")
    st.markdown(
        f"Each of the **m = {m:,}** pixels is a point $x^{{(i)}}$ in 3-D colour space "
        f"(red, green, blue, each 0–255). This image uses **{result.distinct_colors:,}** "
        f"different colours. K-Means looks for **K = {k}** colours, the centroids "
        "$\\mu_1, \\dots, \\mu_K$, that represent all the pixels as well as possible."
    )
    st.header("2. The objective")
    st.markdown("K-Means minimises the within-cluster sum of squares (WCSS):")
    st.latex(r"J(c, \mu) = \sum_{i=1}^{m} \left\lVert x^{(i)} - \mu_{c^{(i)}} \right\rVert^2")
    st.latex(
        rf"J_\text{{start}} = {tex(history[0])} \quad\longrightarrow\quad "
        rf"J_\text{{final}} = {tex(history[-1])} \quad\text{{after {result.iterations} iterations}}"
    )
    st.markdown(
        "The palette stores the final centroids rounded to 8-bit colours, every pixel at its "
        f"nearest one. Its squared RGB error, averaged over the {m:,} pixels, is the mean squared "
        f"error: MSE = {result.mse:,.1f}, so PSNR = 10·log₁₀(255² / (MSE / 3)) = "
        f"{views.format_psnr(result.psnr)}."
    )


def two_steps() -> None:
    """Section 3: assign and move, beside the code that does each."""
    st.header("3. Two steps, repeated")
    st.markdown(
        "Each formula beside the exercise's function that computes it, read from this app's "
        "own `kmeans_core.kmeans` module."
    )
    views.code_beside(
        "**Assign** every pixel to its closest centroid:",
        r"c^{(i)} := \arg\min_{j} \left\lVert x^{(i)} - \mu_j \right\rVert^2",
        find_closest_centroids,
    )
    views.code_beside(
        "**Move** every centroid to the mean of its pixels (an empty cluster, which has no "
        "mean, takes the worst-served pixel's colour):",
        r"\mu_j := \frac{1}{|C_j|} \sum_{i \in C_j} x^{(i)}",
        compute_centroids,
        weighted_means,
    )
    views.code_beside(
        "**Repeat** both steps for a number of iterations:",
        r"\begin{aligned} & \text{for } t = 1, \dots, T: \\ "
        r"& \quad c := \text{assign}(X, \mu) \\ & \quad \mu := \text{move}(X, c) \end{aligned}",
        run_kmeans,
    )
    st.markdown(
        "Neither step can increase $J$, so the WCSS falls at every iteration until no pixel "
        "changes cluster: see the **Convergence** page, and each half-step on its own on "
        "**Step by step**."
    )


def where_to_start() -> None:
    """Section 4: random pixels and k-means++."""
    st.header("4. Where to start")
    views.code_beside(
        "**Random pixels** (the exercise): K pixels of different colours, chosen at random.",
        r"\mu_j := x^{(r_j)}, \quad r_j \text{ random}",
        kmeans_init_centroids,
    )
    st.markdown(
        "**k-means++**: one random pixel, then each next centroid drawn with probability "
        "growing with its squared distance $D(x)^2$ to the nearest centroid so far:"
    )
    st.latex(
        r"P\left(x^{(i)}\right) = \frac{D\left(x^{(i)}\right)^2}{\sum_{l} D\left(x^{(l)}\right)^2}"
    )
    st.markdown(
        "Spread-out starts need fewer iterations and end lower more often. Try both in the "
        "sidebar and compare the curves on the **Convergence** page."
    )


def what_it_saves() -> None:
    """Section 5: the exercise's arithmetic on this image."""
    st.header("5. What the compression saves")
    bits, colors, depth = report.bits_per_index, report.colors, report.bits_per_color
    original, compressed = tex(report.bits_original), tex(report.bits_compressed)
    kind = "32-bit RGBA" if report.alpha else "24-bit RGB"
    st.latex(
        rf"\underbrace{{{depth} \times {tex(m)}}}_{{\text{{{kind}}}}} = {original}\ \text{{bits}}"
    )
    st.latex(
        rf"\underbrace{{{depth} \times {colors}}}_{{\text{{palette}}}} + "
        rf"\underbrace{{{tex(m)} \times \lceil \log_2 {colors} \rceil}}"
        rf"_{{\text{{{bits} bits a pixel}}}}"
        rf" = {tex(report.bits_palette)} + {tex(report.bits_indices)} = {compressed}\ \text{{bits}}"
    )
    st.latex(rf"\text{{ratio}} = \frac{{{original}}}{{{compressed}}} = {report.ratio:.3f}")
    st.markdown(
        f"The exercise's 128×128 image at K = 16 gives 393,216 / 65,920 = 5.965. A real indexed "
        f"PNG also zlib-compresses the indices: this one is {views.human_bytes(len(analysis.png))}."
    )


def exactly_and_fast() -> None:
    """Section 6: what makes the engine fast without changing the answer."""
    st.header("6. How this app computes it, exactly and fast")
    points = [
        "**Distinct colours, weighted.** Pixels of the same colour always land in the same "
        f"cluster, so Lloyd's algorithm runs on the {result.distinct_colors:,} distinct "
        f"colours, each weighted by its pixel count: the same assignments and centroids as on "
        f"all {m:,} pixels, with {m / max(result.distinct_colors, 1):.1f}× fewer points.",
        "**Triangle-inequality bounds** (Hamerly's algorithm) prove most colours keep their "
        "cluster after the centroids move, without computing their distances.",
    ]
    if settings.exercise:
        points.append(
            f"The exercise's run stops after {settings.max_iter} iterations, or earlier if no "
            "colour changes cluster."
        )
    else:
        points.append(
            "**A warm start on colour grids** for images with many colours: the first "
            "iterations run on the colours merged into a 32³ then a 64³ grid, the last ones "
            "on every colour, so the result is still a converged K-Means of the real colours."
        )
        points.append(
            "It stops when no colour changes cluster, or when the centroids move less than "
            "scikit-learn's tolerance (10⁻⁴ of the colours' variance)."
        )
    st.markdown("\n".join(f"- {point}" for point in points))


def space_comparison(spaces: list[experiments.SpaceResult]) -> None:
    """RGB against L*a*b* on this image: both results and both measures."""
    rgb, lab = spaces
    columns = st.columns(2)
    for column, space, title in zip(columns, spaces, ("RGB", "CIE L*a*b*"), strict=True):
        with column:
            views.encoded_image(
                st,
                space.preview_png,
                caption=f"K-Means in {SPACE_LABELS[space.space]}",
                alt=f"{analysis.name} compressed with K-Means in {title}, K = {settings.k}",
            )
            numbers = st.columns(2)
            views.stat(numbers[0], "MSE (RGB)", f"{space.mse:,.1f}", "lower: closer in RGB")
            views.stat(numbers[1], "Mean ΔE", f"{space.delta_e:.2f}", "lower: closer to the eye")
    if rgb.mse > 0 and rgb.delta_e > 0:  # both 0 when the image has no more colours than K
        delta_e_change = 100 * (lab.delta_e / rgb.delta_e - 1)
        mse_change = 100 * (lab.mse / rgb.mse - 1)
        verdict = (
            "each space wins on its own measure"
            if delta_e_change < 0 < mse_change
            else "here the choice of space matters little"
            if abs(delta_e_change) < 1 and abs(mse_change) < 1
            else "the measures do not simply follow the space"
        )
        st.markdown(
            f"On this image at K = {k}, clustering in L\\*a\\*b\\* changes the mean ΔE by "
            f"**{delta_e_change:+.1f} %** and the RGB MSE by **{mse_change:+.1f} %**: {verdict}. "
            "Choose the colour space in the sidebar to see the whole app in either."
        )


def colour_spaces() -> None:
    """Section 7: L*a*b*, and RGB against it measured on request."""
    st.header("7. A colour space that matches the eye")
    st.markdown(
        "In RGB, equal distances are not equally visible: a step in dark blues is far more "
        "visible than the same step in bright greens. **CIE L\\*a\\*b\\*** remaps colours so that "
        "distance follows perception: L\\* is lightness (0–100), a\\* runs green to red, b\\* "
        "blue to yellow. Clustering there spends the K colours where eyes see differences. "
        "Its distance is the colour difference ΔE (CIE76); about 2.3 is just noticeable."
    )
    st.latex(r"\Delta E = \sqrt{(L^*_1 - L^*_2)^2 + (a^*_1 - a^*_2)^2 + (b^*_1 - b^*_2)^2}")
    spaces_key = (source.digest, settings.but(space="rgb"))  # the same for either space
    requested = st.session_state.setdefault("requested_spaces", set())
    if st.button("Measure RGB against L\\*a\\*b\\* on this image", icon=":material/science:"):
        requested.add(spaces_key)
    if spaces_key in requested:
        space_comparison(experiments.compare_spaces(*spaces_key, source.data))
    else:
        st.caption(
            "Runs K-Means in the other colour space too (the current one is already computed) "
            "and measures both results in both spaces."
        )


views.sections(
    "how_it_works_part",
    {
        "Pixels and the objective": pixels_and_objective,
        "Two steps": two_steps,
        "Where to start": where_to_start,
        "What it saves": what_it_saves,
        "Exact and fast": exactly_and_fast,
        "Colour spaces": colour_spaces,
    },
)
