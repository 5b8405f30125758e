from django import forms

from alignment.playground import ChatConfig
from webapp.core.forms import add_config_fields, queue_field


class ChatForm(forms.Form):
    system = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=20_000,
                             label="System prompt", help_text="optional; only when starting a conversation")
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000, label="Your message")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_config_fields(self, ChatConfig)
        self.fields["queue"] = queue_field()
