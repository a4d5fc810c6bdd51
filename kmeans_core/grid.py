"""Colour grids: an image's colours merged by cell, a cheap summary for warm starts.

A grid with ``bits`` bits a channel cuts the RGB cube into 2^(3·bits) cells. Each occupied
cell keeps the weighted mean of its colours (in the clustering space) and their total
weight. Clustering whole cells is a real clustering of the pixels, and its exact WCSS is the
WCSS of the cell means plus the grid's ``scatter`` (the colours' spread inside their cells).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .kmeans import sq_distances_to_assigned


@dataclass(frozen=True)
class ColorGrid:
    """The occupied cells of one grid, and how the finer level's members map into them."""

    bits: int
    cell_ids: np.ndarray  # (m,) the cells' ids: r << 2·bits | g << bits | b
    means: np.ndarray  # (m, d) weighted mean point of each cell
    weights: np.ndarray  # (m,) total weight (pixels) of each cell
    scatter: float  # sum of weight × squared distance of every colour to its cell's mean
    member_cell: np.ndarray  # (members,) the cell of each member of the finer level
    member_offset: np.ndarray  # (members,) distance of each member's point to its cell's mean

    def __len__(self) -> int:
        return len(self.means)


def grid_of_colors(
    codes: np.ndarray, points: np.ndarray, weights: np.ndarray, bits: int
) -> ColorGrid:
    """Merge distinct colours (0xRRGGBB ``codes``, their ``points`` in the clustering space)."""
    return _merge(_cell_ids(codes, 8, bits), points, weights, 0.0, bits)


def coarser_grid(grid: ColorGrid, bits: int) -> ColorGrid:
    """Merge the cells of ``grid`` into a grid with fewer ``bits``."""
    ids = _cell_ids(grid.cell_ids, grid.bits, bits)
    return _merge(ids, grid.means, grid.weights, grid.scatter, bits)


def _cell_ids(ids: np.ndarray, from_bits: int, bits: int) -> np.ndarray:
    """Cell ids (r << 2b | g << b | b) at ``from_bits`` a channel, re-cut at ``bits``."""
    shift, mask = from_bits - bits, (1 << bits) - 1
    ids = np.asarray(ids)
    r = (ids >> (2 * from_bits + shift)) & mask
    g = (ids >> (from_bits + shift)) & mask
    b = (ids >> shift) & mask
    return ((r << (2 * bits)) | (g << bits) | b).astype(np.intp)


def _merge(
    ids: np.ndarray, points: np.ndarray, weights: np.ndarray, scatter: float, bits: int
) -> ColorGrid:
    occupied = np.bincount(ids, minlength=1 << (3 * bits)) > 0
    member_cell = (np.cumsum(occupied) - 1)[ids]
    n_cells = int(occupied.sum())
    cell_weights = np.bincount(member_cell, weights=weights, minlength=n_cells)
    sums = [
        np.bincount(member_cell, weights=weights * points[:, j], minlength=n_cells)
        for j in range(points.shape[1])
    ]
    means = np.stack(sums, axis=1) / cell_weights[:, None]
    sq_offset = sq_distances_to_assigned(points, means, member_cell)
    return ColorGrid(
        bits=bits,
        cell_ids=np.flatnonzero(occupied),
        means=means,
        weights=cell_weights,
        scatter=scatter + float(weights @ sq_offset),
        member_cell=member_cell,
        member_offset=np.sqrt(sq_offset),
    )
