"""A bureau's seal (印章) image: checked on upload, and the obviously fake demo seal.

The seal is printed over the 署名 and date of issued letters (replies.pdf_layout). Only a PNG
with a transparent background will do: the body text must show through around the ink, as on a
sealed paper letter. Anything else is refused with a Chinese message and nothing is stored.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_SIDE, MAX_SIDE = 200, 4000  # pixels


def seal_max_bytes() -> int:
    return int(getattr(settings, "FUHAN_SEAL_MAX_BYTES", 1024 * 1024))


def validate_seal_png(upload: object) -> None:
    """Model-field validator: a transparent PNG, at most FUHAN_SEAL_MAX_BYTES, 200-4000 px."""
    from PIL import Image

    limit = seal_max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            f"印章图片不能超过 {limit / 1024 / 1024:.1f} MB"
            f"（上传的文件为 {size / 1024 / 1024:.1f} MB）"
        )
    handle: Any = upload.open("rb") if hasattr(upload, "open") else upload
    handle.seek(0)
    data = handle.read(limit + 1)
    handle.seek(0)
    if len(data) > limit:
        raise ValidationError(f"印章图片不能超过 {limit / 1024 / 1024:.1f} MB")
    if not data.startswith(PNG_SIGNATURE):
        raise ValidationError("印章图片须为 PNG 格式（透明背景），请勿上传 JPG、GIF、PDF 等文件")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
                raise ValidationError(
                    f"印章图片的宽和高须在 {MIN_SIDE} 至 {MAX_SIDE} 像素之间"
                    f"（现为 {width}×{height}）"
                )
            transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            image.verify()
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError("印章图片已损坏，无法读取，请重新导出 PNG 文件") from exc
    if not transparent:
        raise ValidationError("印章图片须为透明背景的 PNG（带透明通道），白底图片会遮住正文")


def demo_seal_png(font_dir: Path | None = None) -> bytes:
    """The demo data's seal: a red rounded square reading 演示用章 / 无效 — plainly not an
    imitation of any real seal (no circle, no star, no organ name)."""
    from PIL import Image
    from PIL import ImageDraw
    from PIL import ImageFont

    side = 500  # 42 mm at 300 dpi
    red = (220, 0, 20, 150)
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((16, 16, side - 16, side - 16), radius=50, outline=red, width=18)
    draw.rounded_rectangle((52, 52, side - 52, side - 52), radius=30, outline=red, width=5)
    folder = Path(font_dir or settings.PDF_FONT_DIR)
    try:
        big: Any = ImageFont.truetype(str(folder / "FandolHei-Regular.otf"), 125)
        small: Any = ImageFont.truetype(str(folder / "FandolHei-Regular.otf"), 53)
    except OSError:
        big = small = ImageFont.load_default()
    draw.text((side / 2, 175), "演示", font=big, fill=red, anchor="mm")
    draw.text((side / 2, 308), "用章", font=big, fill=red, anchor="mm")
    draw.text((side / 2, 408), "DEMO · 无效", font=small, fill=red, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
