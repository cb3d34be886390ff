"""Draw docs/figures/reading-steps.png: what the picture pipeline does to a phone photo, step by step.

    python docs/reading_steps.py            # from the repository root

A photo of a number written with MNIST test digits on lined paper (benchmarks.handwriting) goes
through scratchnet.data.pages.find_ink and scratchnet.data.characters.split_characters; each panel
is one step's array, captioned.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.handwriting import number, photograph  # noqa: E402
from scratchnet import load_mnist  # noqa: E402
from scratchnet.data.characters import split_characters  # noqa: E402
from scratchnet.data.pages import find_ink  # noqa: E402

PANEL = 300
OUT = Path(__file__).parent / "figures" / "reading-steps.png"


def panel(array: np.ndarray, caption: str, boxes: list[tuple[int, int, int, int]] = ()) -> Image.Image:
    """Return one captioned panel of a grey array in [0, 1], with boxes drawn in green."""
    image = Image.fromarray((np.clip(array, 0, 1) * 255).astype(np.uint8)).convert("RGB")
    scale = PANEL / max(image.size)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in boxes:
        draw.rectangle(
            (x * scale - 2, y * scale - 2, (x + w) * scale + 2, (y + h) * scale + 2), outline=(34, 197, 94), width=3
        )
    framed = Image.new("RGB", (PANEL + 10, image.height + 34), "white")
    framed.paste(image, (5, 5))
    ImageDraw.Draw(framed).text((8, image.height + 10), caption, fill="black", font=ImageFont.load_default(size=15))
    return framed


def main() -> None:
    test = load_mnist().test
    rng = np.random.default_rng(2026)
    chosen = [int(i) for i in rng.choice(len(test), size=4, replace=False)]
    grey, _ = number([test.images[i] for i in chosen], rng)
    photo = photograph(1.0 - grey, rng, quality=70)
    page = find_ink(photo)
    characters = split_characters(page)
    working_boxes = [
        (round(x / page.scale), round(y / page.scale), round(w / page.scale), round(h / page.scale))
        for x, y, w, h in (c.box for c in characters)
    ]
    panels = [
        panel(photo, "1. the photo (grey, JPEG)"),
        panel(page.background, "2. paper B = closing(P)"),
        panel(page.ink, "3. ink = 1 - P / B"),
        panel(page.found.astype(np.float32), f"4. Otsu: ink > {page.threshold:.2f}"),
        panel(page.mask.astype(np.float32), "5. ruled lines removed"),
        panel(page.grey, "6. characters", working_boxes),
    ]
    inputs = np.hstack([np.pad(c.input.reshape(28, 28), 2, constant_values=0.3) for c in characters])
    panels.append(panel(inputs, "7. 20x20 in 28x28, by mass"))
    row_height = max(item.height for item in panels)
    sheet = Image.new("RGB", (4 * (PANEL + 10), 2 * row_height), "white")
    for k, item in enumerate(panels):
        sheet.paste(item, ((k % 4) * (PANEL + 10), (k // 4) * row_height))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(OUT, optimize=True)
    print(f"wrote {OUT}: the number {''.join(str(test.labels[i]) for i in chosen)}, {len(characters)} characters found")


if __name__ == "__main__":
    main()
