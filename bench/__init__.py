"""The benchmark of kmeans_core against scikit-learn and Pillow: ``python -m bench.run``."""
