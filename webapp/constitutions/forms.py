"""The per-principle editor: one form per principle, all kinds' fields, validated by
alignment.constitution like every other way in."""

from __future__ import annotations

import yaml
from django import forms

from alignment.constitution import KINDS, ConstitutionError, from_dict, load_yaml
from alignment.constitution import Constitution as Document
from webapp.constitutions.models import Constitution

TEXTAREA = {"rows": 3}


class HeaderForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False)
    message = forms.CharField(max_length=500, required=False, label="What changed")
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    visibility = forms.ChoiceField(choices=Constitution.Visibility.choices, initial="team", required=False)


class PrincipleForm(forms.Form):
    key = forms.CharField(max_length=64, help_text="stable id (a-z, 0-9, -): pairs, judgments and reward-model data "
                                                  "refer to the principle by it across versions")
    kind = forms.ChoiceField(choices=[(k, k.replace("_", " ")) for k in KINDS],
                             help_text="critique revision: SL-CAI · comparison: RL-CAI and SALMON judges · rubric: "
                                       "Self-Rewarding's judge · preamble: the head of every judge or critic request")
    title = forms.CharField(max_length=200)
    text = forms.CharField(widget=forms.Textarea(attrs={**TEXTAREA, "data-markdown": "1"}), label="Text (Markdown)")
    weight = forms.FloatField(initial=1.0, help_text="relative: SALMON's instructable reward-model data samples "
                                                     "principles in proportion to their weight")
    tags = forms.CharField(required=False, help_text="comma-separated")
    enabled = forms.BooleanField(required=False, initial=True, help_text="a disabled principle stays in the "
                                                                         "version but no judge or critic uses it")
    critique = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
                               help_text="SL-CAI: how the model is asked to criticise its own last answer")
    revision = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
                               help_text="SL-CAI: how it is asked to rewrite that answer given the critique")
    comparison = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
                                 help_text="the question the pairwise judge answers with (A) or (B)")
    statement = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
                                help_text="SALMON: the behaviour this principle asks for, shown to an instructable "
                                          "reward model beside the pair")
    negative = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False, label="Negative definition",
                               help_text="SALMON: the opposite behaviour; for an example sampled as negated, the "
                                         "reward model sees this and the preference is reversed")
    intro = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False)
    points = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False,
                             help_text="one point per line (Self-Rewarding's additive scale: 5 points)")
    instruction = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False,
                                  help_text="must ask the judge to end with 'Score: <total points>': the score is "
                                            "read from the last such line")
    preamble = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False)
    exemplars = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                help_text="pairwise worked examples: a YAML list of {prompt, response_a, response_b, "
                                          "answer, reasoning}")
    critique_exemplars = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                         label="Critique exemplars",
                                         help_text="SL-CAI worked examples, prepended to every critique and revision "
                                                   "request: a YAML list of {prompt, response, critique, revision}")
    review_guidelines = forms.CharField(widget=forms.Textarea(attrs={**TEXTAREA, "data-markdown": "1"}),
                                        required=False, label="Review guidelines (Markdown)",
                                        help_text="shown to reviewers beside every pair judged under this version "
                                                  "(a feedback run may add its own)")
    YAML_FIELDS = ("exemplars", "critique_exemplars")

    KIND_FIELDS = {kind: spec["required"] + spec["optional"] for kind, spec in KINDS.items()}

    def to_item(self) -> dict:
        d = self.cleaned_data
        item = {"key": d["key"], "kind": d["kind"], "title": d["title"], "text": d["text"], "weight": d["weight"],
                "tags": [t.strip() for t in (d.get("tags") or "").split(",") if t.strip()], "enabled": d["enabled"]}
        for name in self.KIND_FIELDS[d["kind"]]:
            value = d.get(name) or ""
            if name == "points":
                item[name] = [line.strip() for line in value.splitlines() if line.strip()]
            elif name in self.YAML_FIELDS:
                if value.strip():
                    try:
                        item[name] = load_yaml(value)[1]
                    except yaml.YAMLError as exc:
                        raise ConstitutionError([f"principle {d['key']!r} {name}: not valid YAML ({exc})"]) from None
            elif value:
                item[name] = value
        return item

    @staticmethod
    def initial_for(p) -> dict:
        data = {"key": p.key, "kind": p.kind, "title": p.title, "text": p.text, "weight": p.weight,
                "tags": ", ".join(p.tags), "enabled": p.enabled}
        for name, value in p.fields.items():
            if name == "points":
                data[name] = "\n".join(value)
            elif name in PrincipleForm.YAML_FIELDS:
                data[name] = yaml.safe_dump(value, sort_keys=False, allow_unicode=True)
            else:
                data[name] = value
        return data


PrincipleFormSet = forms.formset_factory(PrincipleForm, extra=0, can_delete=True, can_order=True, max_num=500)


def document_from_forms(header: HeaderForm, formset) -> Document:
    """Raises ConstitutionError naming the principle by key, not by form index."""
    if formset.can_order:
        forms_in_order = [f for f in formset.ordered_forms if not f.cleaned_data.get("DELETE")]
    else:
        forms_in_order = formset.forms
    ordered = [f for f in forms_in_order if f.cleaned_data and not f.cleaned_data.get("DELETE")]
    items = [f.to_item() for f in ordered]
    data = {"name": header.cleaned_data["name"], "description": header.cleaned_data.get("description") or "",
            "principles": items}
    try:
        return from_dict(data)
    except ConstitutionError as exc:
        labels = {f"principles[{i}]": f"principle {item['key']!r}" for i, item in enumerate(items)}
        problems = []
        for problem in exc.problems:
            for raw, label in labels.items():
                if problem.startswith(raw + ".") or problem.startswith(raw + " ") or problem.startswith(raw + ":"):
                    problem = label + problem[len(raw):]
                    break
            problems.append(problem)
        raise ConstitutionError(problems) from None


class YamlForm(forms.Form):
    yaml = forms.CharField(widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}))
    message = forms.CharField(max_length=500, required=False, label="What changed")
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="a constitution YAML file (the format of principles/*.yaml), at most 512 KB")
    visibility = forms.ChoiceField(choices=Constitution.Visibility.choices, initial="team")


class ForkForm(forms.Form):
    name = forms.CharField(max_length=200)
    visibility = forms.ChoiceField(choices=[("", "same as the source")] + list(Constitution.Visibility.choices),
                                   required=False, help_text="a fork of a private constitution is private unless "
                                                             "its owner makes it a team one")
