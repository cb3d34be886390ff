"""What a Network and a History show in a notebook (`_repr_html_`): the layers, the parameter count, the curve."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from scratchnet import EpochRecord, History, Network


def test_network_html_lists_each_layer_and_the_13002_parameters_of_the_tutorials_network():
    html = Network([784, 16, 16, 10])._repr_html_()
    assert "784-16-16-10" in html and "13,002 weights and biases" in html  # 784·16+16 + 16·16+16 + 16·10+10
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", html)
    assert cells == [
        ("0 (input)", "784", "–", "–"),
        ("1 (hidden)", "16", "sigmoid", "12,544 + 16"),
        ("2 (hidden)", "16", "sigmoid", "256 + 16"),
        ("3 (output)", "10", "sigmoid", "160 + 10"),
    ]


def test_network_html_names_the_output_layers_own_activation():
    html = Network([4, 3, 2], activation="relu", cost="log-likelihood")._repr_html_()
    assert (
        "<td>1 (hidden)</td><td>3</td><td>relu</td>" in html and "<td>2 (output)</td><td>2</td><td>softmax</td>" in html
    )


def _history() -> History:
    accuracies = [0.80, 0.90, 0.85]
    records = [EpochRecord(e, 0.3 / e, a - 0.01, 0.2, a, 1.5) for e, a in enumerate(accuracies, start=1)]
    return History(records, best_epoch=2)


def test_history_html_tables_every_epoch_and_marks_the_best():
    html = _history()._repr_html_()
    assert "3 epochs, best validation accuracy 90.00% at epoch 2" in html
    rows = re.findall(r"<tr[^>]*><td>(\d+)</td><td>([\d.]+)</td><td>([\d.]+%)</td><td>([\d.]+%)</td>", html)
    assert rows == [
        ("1", "0.3000", "79.00%", "80.00%"),
        ("2", "0.1500", "89.00%", "90.00%"),
        ("3", "0.1000", "84.00%", "85.00%"),
    ]
    assert re.search(r'<tr style="font-weight:bold"><td>2</td>', html)


def test_history_curve_is_svg_with_one_point_per_epoch_highest_at_the_best_epoch():
    svg = ElementTree.fromstring(re.search(r"<svg.*</svg>", _history()._repr_html_()).group(0))
    namespace = {"svg": "http://www.w3.org/2000/svg"}
    points = [tuple(map(float, p.split(","))) for p in svg.find("svg:polyline", namespace).get("points").split()]
    assert len(points) == 3 and points[0][0] < points[1][0] < points[2][0]
    # SVG's y grows downwards: the best accuracy (epoch 2) is the highest point, the worst (epoch 1) the lowest.
    assert points[1][1] < points[2][1] < points[0][1]
    dot = svg.find("svg:circle", namespace)
    assert (float(dot.get("cx")), float(dot.get("cy"))) == points[1]


def test_history_without_validation_draws_the_training_accuracy_and_an_empty_one_says_so():
    records = [EpochRecord(1, 0.2, 0.7, None, None, 1.0), EpochRecord(2, 0.1, 0.8, None, None, 1.0)]
    assert "best training accuracy 80.00% at epoch 2" in History(records, best_epoch=2)._repr_html_()
    assert "no epochs yet" in History()._repr_html_()
