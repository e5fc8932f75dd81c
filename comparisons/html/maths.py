"""LaTeX to MathML, for equations a browser renders itself: no script, no font, nothing fetched.

``latex2mathml`` (a pure-Python converter) turns each equation of ``comparisons.html.equations`` into a
``<math display="block">`` element; MathML Core is rendered natively by Chromium (109+), Firefox and
Safari. The LaTeX stays in the element's ``alttext`` for screen readers and for copying, never as
visible text.
"""

import html
from functools import lru_cache

from latex2mathml.converter import convert


@lru_cache(maxsize=None)
def mathml(latex, display="block"):
    """``latex`` as one ``<math>`` element (``display`` "block" or "inline"), its source in ``alttext``."""
    element = convert(latex, display=display)
    return element.replace("<math ", f'<math alttext="{html.escape(latex, quote=True)}" ', 1)
