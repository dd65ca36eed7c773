"""Rules as data: loading, validation and the immutable rule set."""
from mscore.rules.loader import RuleFileError, default_rules_dir, load_rule_file, load_rules
from mscore.rules.model import Rule, RuleSet
from mscore.rules.signature import BindError, Signature, bind, parse_signature

__all__ = [
    "BindError", "Rule", "RuleFileError", "RuleSet", "Signature", "bind", "default_rules_dir", "load_rule_file",
    "load_rules", "parse_signature",
]
