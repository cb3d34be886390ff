"""The explorer: a local web page to draw a digit and watch the network read it, train a network
and watch it learn, play with the chapter-1 perceptron, and browse the test digits it gets wrong.

`scratchnet serve` runs it; `create_app(Explorer(net))` is the ASGI application. Routes live in
`app.py`, the numbers they answer with in `explorer.py`, the checks of each request in
`validation.py`, and the page (HTML, JavaScript, CSS, all served locally) in `static/`.
"""

from scratchnet.web.app import create_app
from scratchnet.web.explorer import Explorer

__all__ = ["Explorer", "create_app"]
