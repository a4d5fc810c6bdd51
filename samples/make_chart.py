"""Draw samples/chart.png, the flat-colour sample: a bar chart as a spreadsheet would export it.

python -m samples.make_chart

Flat fills, thin grid lines and anti-aliased text: the kind of image where a palette of a
few colours beats JPEG. Made with Pillow alone, released under CC0 with the repository.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent / "chart.png"
WIDTH, HEIGHT = 800, 500
BACKGROUND, INK, GRID = (255, 255, 255), (40, 40, 40), (220, 220, 220)
SERIES = {  # name -> (colour, value per quarter)
    "Coffee": ((78, 121, 167), (42, 55, 61, 48)),
    "Tea": ((242, 142, 43), (30, 28, 35, 44)),
    "Cocoa": ((89, 161, 79), (12, 18, 9, 25)),
}
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
LEFT, TOP, RIGHT, BOTTOM = 80, 70, 620, 440
TOP_VALUE = 70


def draw_chart() -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title, label = ImageFont.load_default(26), ImageFont.load_default(16)
    draw.text((LEFT, 22), "Cups sold per quarter (thousands)", fill=INK, font=title)
    for value in range(0, TOP_VALUE + 1, 10):
        y = BOTTOM - (BOTTOM - TOP) * value / TOP_VALUE
        draw.line([(LEFT, y), (RIGHT, y)], fill=GRID, width=1)
        draw.text((LEFT - 12, y), str(value), fill=INK, font=label, anchor="rm")
    group = (RIGHT - LEFT) / len(QUARTERS)
    bar = group / (len(SERIES) + 1)
    for q, quarter in enumerate(QUARTERS):
        x0 = LEFT + q * group + bar / 2
        for s, (colour, values) in enumerate(SERIES.values()):
            top = BOTTOM - (BOTTOM - TOP) * values[q] / TOP_VALUE
            left = x0 + s * bar
            draw.rectangle([left, top, left + bar - 4, BOTTOM], fill=colour)
        centre = LEFT + (q + 0.5) * group
        draw.text((centre, BOTTOM + 14), quarter, fill=INK, font=label, anchor="mt")
    draw.line([(LEFT, TOP - 10), (LEFT, BOTTOM), (RIGHT, BOTTOM)], fill=INK, width=2)
    for s, (name, (colour, _)) in enumerate(SERIES.items()):
        y = TOP + 20 + 34 * s
        draw.rounded_rectangle([650, y, 672, y + 22], radius=4, fill=colour)
        draw.text((684, y + 11), name, fill=INK, font=label, anchor="lm")
    return image


if __name__ == "__main__":
    draw_chart().save(OUT, optimize=True)
    print(f"wrote {OUT}")
