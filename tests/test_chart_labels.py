"""Chart labels are readable: no text in the score chart or the dashboard's bar chart is drawn
below 12 units (the charts are drawn at their own size, the letter's at 9 pt), and a long label
stays inside the drawing."""

import xml.etree.ElementTree as ET

from dashboard.charts import bar_chart_svg
from outcomes.charts import score_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def sizes(markup: str) -> list[float]:
    root = ET.fromstring(markup)
    base = float(root.get("font-size"))
    return [float(t.get("font-size", base)) for t in root.iter(f"{SVG}text")]


def test_score_chart_text_is_at_least_12():
    markup = score_chart_svg(
        {"PHQ-9": [(0, 18), (5, 12), (10, 7)], "GAD-7": [(0, 15), (5, 13), (10, 9)]},
        max_values={"PHQ-9": 27, "GAD-7": 21},
        title="Scores",
    )
    assert min(sizes(markup)) >= 12


def test_bar_chart_text_is_at_least_12_and_a_long_label_fits():
    markup = bar_chart_svg(
        [("Aanhoudende depressieve klachten met slaapproblemen", 12), ("Angst", 4)],
        title="t",
        category_axis="Klacht",
    )
    assert min(sizes(markup)) >= 12
    root = ET.fromstring(markup)
    label = next(t for t in root.iter(f"{SVG}text") if t.text and t.text.startswith("Aanh"))
    # End-anchored at x: the label's start (7.8 units a character at 13) stays right of the
    # rotated axis title.
    assert float(label.get("x")) - 7.8 * len(label.text) >= 15
