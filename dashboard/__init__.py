"""The dashboard's shared pieces: sample photos, settings, the cached run, figures, widgets.

The only code besides the page files that imports Streamlit or Plotly. ``kmeans_core`` does
the computing; this package turns its results into what the pages show.
"""
