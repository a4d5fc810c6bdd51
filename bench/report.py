"""Tables printed as aligned plain text and written as Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field

MISSING = "—"


@dataclass
class Table:
    """A titled table of strings; columns listed in ``left`` align left, the others right."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    left: set[int] = field(default_factory=lambda: {0})
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        """Append a row; None shows as a dash."""
        if len(cells) != len(self.headers):
            raise ValueError(f"{len(cells)} cells for {len(self.headers)} columns")
        self.rows.append([MISSING if cell is None else str(cell) for cell in cells])

    def text(self) -> str:
        """Aligned plain text, the title underlined."""
        widths = [
            max(len(row[i]) for row in [self.headers, *self.rows]) for i in range(len(self.headers))
        ]

        def line(cells: list[str]) -> str:
            return "  ".join(self._pad(i, cell, widths[i]) for i, cell in enumerate(cells)).rstrip()

        rule = "  ".join("-" * width for width in widths)
        body = [line(self.headers), rule, *(line(row) for row in self.rows)]
        return "\n".join([self.title, "=" * len(self.title), *body, *self.notes])

    def markdown(self) -> str:
        """A Markdown section: the title as a heading, the table, the notes below it."""
        align = [":--" if i in self.left else "--:" for i in range(len(self.headers))]
        body = [_md_row(self.headers), _md_row(align), *(_md_row(row) for row in self.rows)]
        notes = ["", *self.notes] if self.notes else []
        return "\n".join([f"## {self.title}", "", *body, *notes])

    def _pad(self, column: int, cell: str, width: int) -> str:
        return cell.ljust(width) if column in self.left else cell.rjust(width)


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
