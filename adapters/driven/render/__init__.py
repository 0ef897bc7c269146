"""Renderers: the decision basis as JSON and as a Swedish beslutsunderlag in HTML (jinja2)."""
