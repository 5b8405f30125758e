"""A model-name box that offers the default model and every registered (trained) model."""

from django import forms


class ModelNameInput(forms.TextInput):
    """Free text (a folder, a path or a cached hub id still work); the page renders the
    choices once with `{% load registry %}{% model_datalist %}`."""

    def __init__(self, attrs=None):
        super().__init__({"list": "model-names", "autocomplete": "off", **(attrs or {})})
