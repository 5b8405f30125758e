"""Every job kind's config is one dataclass: choices carry their help and bounds and are checked
there, by type and range; files are the runner's. Forms, API bodies and the CLI derive from it."""

import dataclasses

import pytest

from alignment.__main__ import _config_classes, config_help
from alignment.config import Config, describe
from alignment.errors import UserError
from alignment.feedback.pipeline import FeedbackConfig
from alignment.sampling import SampleConfig
from alignment.training.config import TrainConfig

CONFIGS = [cls for cls, _, _ in _config_classes()]


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.KIND)
def test_each_kind_has_one_dataclass_whose_choices_all_carry_help_and_types(cls):
    assert issubclass(cls, Config) and cls.KIND
    for row in describe(cls):
        assert row["help"] and row["type"] in ("bool", "int", "float", "str")
    assert cls.file_fields(), "files are declared, not filled in with placeholders"
    cls.from_choices({}).validate()  # the defaults are valid


@pytest.mark.parametrize("value, message", [
    ("0.7", "temperature must be a number, not '0.7'"),
    (True, "temperature must be a number, not True"),
    (float("nan"), "temperature must be a finite number"),
    (9.0, "temperature must be between 0 and 5, not 9"),
])
def test_a_wrong_type_or_an_out_of_range_value_is_refused_with_the_fields_name(value, message):
    with pytest.raises(UserError, match=message):
        SampleConfig.from_choices({"temperature": value})


def test_unknown_keys_wrong_bools_and_cross_field_rules_are_refused():
    with pytest.raises(UserError, match="unknown config keys: temprature"):
        SampleConfig.from_choices({"temprature": 0.5})
    with pytest.raises(UserError, match="chain_of_thought must be true or false, not 1"):
        FeedbackConfig.from_choices({"chain_of_thought": 1})
    with pytest.raises(UserError, match="exactly 2 responses"):
        FeedbackConfig.from_choices({"method": "rl_cai", "n": 3})
    with pytest.raises(UserError, match="not file fields"):
        SampleConfig.from_choices({}, model="x")


def test_a_whole_number_is_accepted_where_a_float_belongs():
    assert SampleConfig.from_choices({"temperature": 1}).temperature == 1.0


def test_files_are_given_by_the_runner_and_never_chosen():
    with pytest.raises(UserError, match="unknown config keys: prompts"):
        SampleConfig.from_choices({"prompts": "/etc/passwd"})
    config = SampleConfig.from_choices({"n": 2}, prompts="in.jsonl")
    assert config.prompts == "in.jsonl" and "prompts" not in config.choices()


def test_adding_a_choice_is_one_field_and_reaches_the_cli_help():
    @dataclasses.dataclass
    class Tiny(Config):
        KIND = "tiny"
        data: str = dataclasses.field(default="", metadata={"help": "input", "file": True})
        beta: float = dataclasses.field(default=0.1, metadata={"help": "the new knob", "min": 0.0, "max": 1.0})

    assert "beta" in config_help(Tiny) and "the new knob" in config_help(Tiny)
    with pytest.raises(UserError, match="beta must be between 0 and 1"):
        Tiny.from_choices({"beta": 2.0})


def test_method_defaults_are_filled_only_when_left_out():
    assert TrainConfig.from_choices({"method": "grpo", "reward_model": "rm"}).resolved().beta == 0.04
