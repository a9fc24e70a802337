"""The few helpers both hand-written SVG charts write with (outcomes' score chart, the
dashboard's bar charts).

Every text and attribute value goes through Django's `escape`, so callers may `mark_safe` the
chart they build from these.
"""

from django.utils.html import escape


def number(value: float) -> str:
    """A coordinate without needless decimals."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def attr(value: object) -> str:
    return str(escape(str(value)))


def text(x: float, y: float, content: str, *, anchor: str = "middle", **attrs: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{attr(v)}"' for name, v in attrs.items())
    position = f'x="{number(x)}" y="{number(y)}" text-anchor="{anchor}"'
    return f"<text {position}{extra}>{escape(content)}</text>"
